"""Create (or reset) the demo users, one per role, so a new installation can be tried at once."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ott.networks import LINE, MESSENGER
from ottportal.roles import ADMINS, APPROVERS, AUDITORS, MARKETERS
from sandbox.models import SandboxRegistration
from senders.models import SenderChange
from senders.services import sender_record

DEMO_USERS = (("admin", ADMINS), ("marketer", MARKETERS), ("approver", APPROVERS), ("auditor", AUDITORS))
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
        "Create or reset the demo users admin, marketer, approver and auditor in their roles, and one active demo "
        "sender per network registered in the sandbox. Safe to run again. Runs only with DEBUG on, "
        "unless --force; the password must pass the password validators."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for all three users (generated and printed if omitted).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run although DEBUG is off (demo accounts with one shared password on a production site).",
        )

    @transaction.atomic
    def handle(self, *args, password: str | None = None, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: bootstrap_demo creates demo accounts that share one password, which a "
                "production site should not have. Run it with --force if you really mean to."
            )
        password = password or secrets.token_urlsafe(12)
        User = get_user_model()
        for username, role in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            kept_superuser = user.is_superuser
            user.is_active = True
            user.is_staff = role == ADMINS or kept_superuser
            self._check_password(password, user)
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            note = " (a superuser before, and still one: bootstrap_demo never removes that)" if kept_superuser else ""
            self.stdout.write(f"{'created' if created else 'reset'}: {username} ({role}){note}")
        self._demo_senders(admin=User.objects.get(username="admin"))
        logins = " / ".join(username for username, _ in DEMO_USERS)
        self.stdout.write(self.style.SUCCESS(f"Demo logins: {logins}, password: {password}"))

    def _check_password(self, password: str, user) -> None:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            problems = " ".join(exc.messages)
            raise CommandError(f"The password is not accepted for {user.username}: {problems}") from exc

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
