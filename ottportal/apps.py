from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs):
    from django.contrib.auth.models import Group, Permission

    from ottportal.roles import sync_role_permissions

    sync_role_permissions(Group, Permission)


class OttPortalConfig(AppConfig):
    name = "ottportal"
    verbose_name = "OTT Portal"

    def ready(self):
        # Models added by later migrations get their permissions after every migrate.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="ottportal_sync_roles")
