"""Create (or reset) the demo users, one per role, so a new installation can be tried at once."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from ott.networks import LINE, MESSENGER
from ottportal.roles import ADMINS, AUDITORS, MARKETERS
from sandbox.models import SandboxRegistration
from senders.models import SenderChange
from senders.services import sender_record

DEMO_USERS = (("admin", ADMINS), ("marketer", MARKETERS), ("auditor", AUDITORS))
# One demo sender per network: (network, Marketing Cloud registration attributes without secrets).
DEMO_SENDERS = (
    (LINE, {"channelId": "2000000001", "channelName": "Demo LINE channel", "isActive": 1}),
    (
        MESSENGER,
        {"applicationId": "demo-app", "pageId": "1000000001", "pageName": "Demo Messenger page", "isActive": 1},
    ),
)


class Command(BaseCommand):
    help = (
        "Create or reset the demo users admin, marketer and auditor in their roles, and one active demo "
        "sender per network registered in the sandbox. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for all three users (generated and printed if omitted).")

    @transaction.atomic
    def handle(self, *args, password: str | None = None, **options):
        password = password or secrets.token_urlsafe(12)
        User = get_user_model()
        for username, role in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_active = True
            user.is_staff = role == ADMINS
            user.is_superuser = False
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            self.stdout.write(f"{'created' if created else 'reset'}: {username} ({role})")
        self._demo_senders(admin=User.objects.get(username="admin"))
        self.stdout.write(self.style.SUCCESS(f"Demo logins: admin / marketer / auditor, password: {password}"))

    def _demo_senders(self, admin) -> None:
        if not settings.OTT_SANDBOX:
            self.stdout.write("OTT_SANDBOX is off: no demo senders (register real ones as admin).")
            return
        for network, attributes in DEMO_SENDERS:
            SandboxRegistration.register(network, attributes)
            sender, outcome = sender_record(
                network=network, attributes=attributes, user=admin, action=SenderChange.Action.REGISTERED
            )
            self.stdout.write(f"demo sender {sender}: {outcome}, registered in the sandbox")
