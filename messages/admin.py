"""Drafts, sends and deliveries in the Django admin: read-only (the portal's services own every write,
and history is never edited or deleted)."""

from django.contrib import admin

from messages.models import Delivery, Draft, Send
from ottportal.admin import ReadOnlyModelAdmin


@admin.register(Draft)
class DraftAdmin(ReadOnlyModelAdmin):
    list_display = ["name", "sender", "owner", "updated_at"]
    search_fields = ["name"]


@admin.register(Send)
class SendAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "draft_name", "network", "sender_name", "status", "total", "created_by", "created_at"]
    list_filter = ["status", "network"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "message_key", "ott_id", "user_reference", "network", "status", "attempts", "created_at"]
    list_filter = ["status", "network", "created_at"]
    search_fields = ["message_key", "ott_request_id", "ott_id", "user_reference"]
    list_select_related = ["send"]
