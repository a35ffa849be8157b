"""The language a user picked (empty: their browser's), applied on every page they open."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ottportal", "0006_audit_trail"),
    ]

    operations = [
        migrations.AddField(
            model_name="usersettings",
            name="language",
            field=models.CharField(
                blank=True,
                choices=[("en", "English"), ("ja", "日本語")],
                help_text="Empty: the browser's (Accept-Language)",
                max_length=8,
            ),
        ),
    ]
