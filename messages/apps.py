from django.apps import AppConfig


class OttMessagesConfig(AppConfig):
    name = "messages"
    label = "ott_messages"  # django.contrib.messages owns "messages"
    verbose_name = "Messages"
