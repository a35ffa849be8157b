"""Delete history older than a given age, in batches, optionally archiving it to CSV first.

Only finished deliveries are deleted (never one that is queued or sending), each batch in its own short
transaction, so it is safe to run while workers send. A send is deleted once it has finished and has no
deliveries left. This is the one way history leaves the portal; run it from cron.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from messages.export import csv_lines
from messages.models import Attempt, Delivery, Send, SendEvent


class Command(BaseCommand):
    help = "Delete deliveries older than --days (default OTT_RETENTION_DAYS), in batches; --export archives them first."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.OTT_RETENTION_DAYS)
        parser.add_argument("--export", type=Path, help="Write the deliveries to this CSV file before deleting")
        parser.add_argument("--batch", type=int, default=5000, help="Deliveries deleted per transaction")
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; change nothing")

    def handle(self, *args, days: int, export: Path | None, batch: int, dry_run: bool, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        cutoff = timezone.now() - timedelta(days=days)
        old = Delivery.objects.filter(created_at__lt=cutoff, status__in=Delivery.TERMINAL)
        total = old.count()
        self.stdout.write(f"{total:,} finished deliveries older than {days} days (before {cutoff:%Y-%m-%d %H:%M} UTC)")
        if dry_run or not total:
            return
        if export:
            if export.exists():
                raise CommandError(f"{export} exists already; choose a new file name.")
            with export.open("w", encoding="utf-8", newline="") as archive:
                for line in csv_lines(old):
                    archive.write(line)
            self.stdout.write(f"archived to {export}")
        deleted = 0
        while True:
            with transaction.atomic():
                ids = list(old.order_by("id").values_list("id", flat=True)[:batch])
                if not ids:
                    break
                Attempt.objects.filter(delivery_id__in=ids).delete()
                deleted += (
                    Delivery.objects.filter(id__in=ids, status__in=Delivery.TERMINAL)
                    .delete()[1]
                    .get(Delivery._meta.label, 0)
                )
        empty = Send.objects.filter(created_at__lt=cutoff, status__in=Send.FINISHED, deliveries__isnull=True)
        with transaction.atomic():
            SendEvent.objects.filter(send__in=empty).delete()
            sends = empty.delete()[1].get(Send._meta.label, 0)
        self.stdout.write(f"deleted {deleted:,} deliveries and {sends:,} sends")
