"""The words `ott` shows to people, translatable without `ott` importing Django.

`_("…") % {...}` (and `ngettext` for plurals) marks a message for `makemessages` and translates it at
call time. By default the English text comes back; the portal installs Django's `gettext` and
`ngettext` at start-up (`messages.apps.OttMessagesConfig.ready`), so a rule's message follows the
page's language. The documented Marketing Cloud messages are not marked: they are the API's words.
"""

from __future__ import annotations

from collections.abc import Callable


def _english(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


_translate: Callable[[str], str] = str
_translate_plural: Callable[[str, str, int], str] = _english


def set_translator(translate: Callable[[str], str], translate_plural: Callable[[str, str, int], str]) -> None:
    """Use `translate` and `translate_plural` (Django's `gettext` and `ngettext`) from now on."""
    global _translate, _translate_plural  # one hook for the whole package, set once at start-up
    _translate, _translate_plural = translate, translate_plural


def _(message: str) -> str:
    return _translate(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translate_plural(singular, plural, n)


def gettext_noop(message: str) -> str:
    """Marks a message kept in a constant; it is translated with `_` where it is shown."""
    return message
