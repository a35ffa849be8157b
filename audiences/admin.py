"""Audiences and the suppression list in the Django admin: read-only (the pages keep the rules: an
audience a send used stays as it is, and every removal from the suppression list is logged)."""

from django.contrib import admin

from audiences.models import Audience, Suppression, SuppressionChange
from ottportal.admin import ReadOnlyModelAdmin


@admin.register(Audience)
class AudienceAdmin(ReadOnlyModelAdmin):
    list_display = ["name", "network", "status", "size", "refused_count", "created_by", "created_at", "first_used_at"]
    list_filter = ["network", "status"]
    search_fields = ["name"]
    exclude = ["refused_lines"]


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyModelAdmin):
    list_display = ["ott_id", "user_reference", "network", "sender", "reason", "expires_at", "created_by", "created_at"]
    list_filter = ["network", "reason"]
    search_fields = ["ott_id", "user_reference"]


@admin.register(SuppressionChange)
class SuppressionChangeAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "user", "action", "ott_id", "user_reference", "network", "reason"]
    list_filter = ["action", "network"]
