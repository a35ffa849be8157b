from django.contrib import admin

from senders.models import Sender, SenderChange


@admin.register(Sender)
class SenderAdmin(admin.ModelAdmin):
    """Senders are registered through the portal (which talks to Marketing Cloud), so read-only here."""

    list_display = ["name", "network", "sender_id", "is_active", "last_synced_at"]
    list_filter = ["network", "is_active"]
    search_fields = ["name", "sender_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SenderChange)
class SenderChangeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "sender_label", "action", "user"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
