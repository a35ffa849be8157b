from django.core.management.base import BaseCommand
from django.db import transaction

from sandbox.models import SandboxAttempt, SandboxMessage, SandboxRegistration, SandboxToken


class Command(BaseCommand):
    help = "Forget everything the sandbox knows: tokens, registrations, accepted messages and attempts."

    @transaction.atomic
    def handle(self, *args, **options):
        for model in (SandboxToken, SandboxRegistration, SandboxMessage, SandboxAttempt):
            deleted, _ = model.objects.all().delete()
            self.stdout.write(f"{model._meta.verbose_name_plural}: {deleted} deleted")
