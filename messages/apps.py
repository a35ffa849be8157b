from django.apps import AppConfig


class OttMessagesConfig(AppConfig):
    name = "messages"
    label = "ott_messages"  # django.contrib.messages owns "messages"
    verbose_name = "Messages"

    def ready(self) -> None:
        # The message rules (`ott`) know nothing of Django: give them its translations.
        from django.utils.translation import gettext, ngettext

        from ott import words

        words.set_translator(gettext, ngettext)
