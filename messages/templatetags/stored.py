"""Stored words shown in the reader's language: `{{ event.detail|shown:event.detail_args }}`."""

from __future__ import annotations

from django import template

from messages import stored_words

register = template.Library()


@register.filter
def shown(text: str, args: dict | None = None) -> str:
    return stored_words.shown(text, args)
