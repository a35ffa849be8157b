from django.contrib import admin

from ottportal.admin import ReadOnlyModelAdmin
from senders.models import DeletedSender, Sender, SenderChange


@admin.register(Sender)
class SenderAdmin(ReadOnlyModelAdmin):
    """Senders are registered through the portal (which talks to Marketing Cloud), so read-only here."""

    list_display = ["name", "network", "sender_id", "is_active", "last_synced_at"]
    list_filter = ["network", "is_active"]
    search_fields = ["name", "sender_id"]


@admin.register(SenderChange)
class SenderChangeAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "sender_label", "action", "user"]
    list_filter = ["action"]


@admin.register(DeletedSender)
class DeletedSenderAdmin(ReadOnlyModelAdmin):
    """Senders deleted in the portal, which imports leave out until they are registered again."""

    list_display = ["deleted_at", "name", "network", "sender_id", "deleted_by"]
    list_filter = ["network"]
