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
        # After every migrate (and every test-database flush) the role groups exist with their
        # permissions. Django sends post_migrate only to apps with a models module (ottportal/models.py).
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="ottportal_sync_roles")
        from ottportal import schema  # noqa: F401 (registers the API token scheme with drf-spectacular)
        from ottportal.audit_signals import connect
        from ottportal.sso import checks  # noqa: F401  (registers the single sign-on deploy check)

        connect()  # logins, logouts, failed logins and role changes go into the audit trail
