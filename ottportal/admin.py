from django.contrib import admin

from ottportal.models import SsoIdentity


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For records changed only through the portal's services (or never): viewable, not editable."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SsoIdentity)
class SsoIdentityAdmin(admin.ModelAdmin):
    """Which account each single sign-on subject is. Created at a person's first login; an admin adds one
    by hand to link an existing local account to its subject at the provider (before that person's first
    single sign-on, which would otherwise be refused because the username is taken)."""

    list_display = ("user", "subject", "issuer", "created_at", "last_login_at")
    search_fields = ("user__username", "subject")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "last_login_at")
