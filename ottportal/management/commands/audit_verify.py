"""Check the audit trail's hash chain: exit 0 when every entry holds, 1 naming the first that does not."""

from __future__ import annotations

from datetime import UTC

from django.core.management.base import BaseCommand

from ottportal.audit import check


class Command(BaseCommand):
    help = (
        "Check that no audit entry was changed or removed: each entry's hash covers its fields and the "
        "hash of the entry before it. Exits 1, naming the first broken entry, when the chain breaks."
    )

    def handle(self, *args, **options):
        checked = check()
        if checked.broken is not None:
            self.stderr.write(f"Audit trail broken at {checked.broken}")
            self.stderr.write(f"The {checked.count:,} entries before it hold.")
            raise SystemExit(1)
        self.stdout.write(f"Audit trail intact: {checked.count} entries")
        if checked.last is not None:
            at = checked.last.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            self.stdout.write(
                f"Newest: #{checked.last.pk} at {at}, hash {checked.last.hash}. Keep this line elsewhere: "
                "removing the newest entries is only seen against it."
            )
