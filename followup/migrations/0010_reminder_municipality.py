import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def municipality_from_recipient(apps, schema_editor):
    """Every stored reminder gets its recipient's municipality, in one set-based UPDATE."""
    Reminder = apps.get_model("followup", "Reminder")
    Person = apps.get_model("pilots", "Person")
    Reminder.objects.using(schema_editor.connection.alias).update(
        municipality_id=Subquery(
            Person.objects.filter(pk=OuterRef("recipient_id")).values("municipality_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("followup", "0009_reminder_due_index"),
        ("pilots", "0011_programme_retention_and_person_anonymised"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminder",
            name="municipality",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="pilots.municipality",
                verbose_name="municipality",
            ),
        ),
        migrations.RunPython(municipality_from_recipient, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reminder",
            name="municipality",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="pilots.municipality",
                verbose_name="municipality",
            ),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(
                fields=["municipality", "-due_at", "-id"], name="reminder_municipality_due"
            ),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(
                fields=["municipality", "status", "-due_at", "-id"],
                name="reminder_municipality_status",
            ),
        ),
    ]
