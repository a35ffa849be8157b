from django.contrib import admin

from ottportal.models import ApiToken, SsoIdentity


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


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyModelAdmin):
    """Every API token, for an administrator who must revoke someone else's (a leaked key): listed,
    deletable by superusers, never shown (only its digest and first characters exist)."""

    list_display = ("name", "user", "token_key", "created", "expiry", "last_used_at")
    list_filter = ("expiry",)
    search_fields = ("name", "user__username", "token_key")
    fields = ("name", "user", "token_key", "created", "expiry", "last_used_at")
    readonly_fields = fields

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
