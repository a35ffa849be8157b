"""Deliveries stop storing their whole request body: the send keeps the template, and a delivery
only the message its placeholders made its own (messages.bodies rebuilds the body). Also drops the
indexes that others already cover (the foreign keys' own, and PostgreSQL's second index on each
searched column)."""

import json
from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


BATCH = 2000


def keep_own_messages(apps, schema_editor):
    """Keep a delivery's message where it differs from its send's template's."""
    Delivery = apps.get_model("ott_messages", "Delivery")
    Send = apps.get_model("ott_messages", "Send")
    for send_id, template in Send.objects.values_list("id", "template").iterator():
        own = []
        rows = Delivery.objects.filter(send_id=send_id).values_list("id", "payload")
        for pk, payload in rows.iterator(chunk_size=BATCH):
            message = (payload or {}).get("message")
            if message is not None and message != template.get("message"):
                own.append(Delivery(pk=pk, message=json.dumps(message)))
            if len(own) >= BATCH:
                Delivery.objects.bulk_update(own, ["message"])
                own = []
        Delivery.objects.bulk_update(own, ["message"])


def rebuild_payloads(apps, schema_editor):
    from messages.bodies import Bodies

    Delivery = apps.get_model("ott_messages", "Delivery")
    Send = apps.get_model("ott_messages", "Send")
    for send_id, template in Send.objects.values_list("id", "template").iterator():
        bodies = Bodies(template)
        rows = Delivery.objects.filter(send_id=send_id).only("message_key", "ott_id", "user_reference", "message")
        done = []
        for delivery in rows.iterator(chunk_size=BATCH):
            key = str(delivery.message_key)
            delivery.payload = json.loads(bodies.body(key, delivery.ott_id, delivery.user_reference, delivery.message))
            done.append(delivery)
            if len(done) >= BATCH:
                Delivery.objects.bulk_update(done, ["payload"])
                done = []
        Delivery.objects.bulk_update(done, ["payload"])


def reinstall_count_triggers(apps, schema_editor):
    """SQLite alters a table by copying it into a new one, which loses the old one's triggers: put the
    counting triggers (0013) back. PostgreSQL keeps them."""
    if schema_editor.connection.vendor == "sqlite":
        counts = import_module("messages.migrations.0013_send_counts")
        counts._run(schema_editor, [*counts.SQLITE_DROP, *counts.SQLITE])


class Migration(migrations.Migration):

    dependencies = [
        ('ott_messages', '0015_recipientlist_audience'),
        ('senders', '0004_sending_rules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, reinstall_count_triggers),  # for the way back
        migrations.AddField(
            model_name='delivery',
            name='message',
            field=models.TextField(blank=True, help_text="This recipient's filled message (JSON); empty: the template's"),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='payload',
            field=models.JSONField(null=True, help_text='The exact request body sent'),
        ),
        migrations.RunPython(keep_own_messages, rebuild_payloads, elidable=True),
        migrations.RemoveField(
            model_name='delivery',
            name='payload',
        ),
        migrations.AlterField(
            model_name='delivery',
            name='created_by',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deliveries', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='ott_id',
            field=models.CharField(blank=True, max_length=256),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='ott_request_id',
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='send',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='deliveries', to='ott_messages.send'),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='sender',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='deliveries', to='senders.sender'),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='user_reference',
            field=models.CharField(blank=True, max_length=256),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(fields=['ott_request_id'], name='delivery_ott_request_id'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(fields=['ott_id'], name='delivery_ott_id', opclasses=['varchar_pattern_ops']),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(fields=['user_reference'], name='delivery_user_reference', opclasses=['varchar_pattern_ops']),
        ),
        migrations.RunPython(reinstall_count_triggers, reinstall_count_triggers),
    ]
