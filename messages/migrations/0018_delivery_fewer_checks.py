"""Cheaper deliveries to write, for preparation (docs/benchmarks.md):
- the lease index holds only the rows that have a lease (those in a worker's hands), instead of
  every delivery by status;
- a delivery's sender and author (copies of its send's, which the send's own foreign keys hold) no
  longer have a constraint in the database: on PostgreSQL every inserted row fired a check for each.
  Django still applies their on_delete (PROTECT, SET_NULL).
SQLite alters the table by copying it, which loses the counting triggers (0013): they are put back,
both ways, as 0016 does."""

from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


reinstall_count_triggers = import_module("messages.migrations.0016_delivery_body_rebuilt").reinstall_count_triggers


class Migration(migrations.Migration):

    dependencies = [
        ('ott_messages', '0017_stored_words'),
        ('senders', '0004_sending_rules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, reinstall_count_triggers),  # for the way back
        migrations.RemoveIndex(
            model_name='delivery',
            name='delivery_lease',
        ),
        migrations.AlterField(
            model_name='delivery',
            name='created_by',
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deliveries', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='sender',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='deliveries', to='senders.sender'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(condition=models.Q(('lease_until__isnull', False)), fields=['status', 'lease_until'], name='delivery_lease'),
        ),
        migrations.RunPython(reinstall_count_triggers, reinstall_count_triggers),
    ]
