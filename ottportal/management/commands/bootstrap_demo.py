"""Create (or reset) the demo users, one per role, so a new installation can be tried at once."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from ottportal.roles import ADMINS, AUDITORS, MARKETERS

DEMO_USERS = (("admin", ADMINS), ("marketer", MARKETERS), ("auditor", AUDITORS))


class Command(BaseCommand):
    help = "Create or reset the demo users admin, marketer and auditor in their roles. Safe to run again."

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
        self.stdout.write(self.style.SUCCESS(f"Demo logins: admin / marketer / auditor, password: {password}"))
