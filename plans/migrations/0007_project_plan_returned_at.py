from django.db import migrations, models


def _returned_at_from_history(apps, schema_editor):
    """Plans returned before the field existed: the moment they were sent back, from history
    (the first record of their last run in status returned)."""
    ProjectPlan = apps.get_model("plans", "ProjectPlan")
    HistoricalProjectPlan = apps.get_model("plans", "HistoricalProjectPlan")
    for plan in ProjectPlan.objects.filter(status="returned", returned_at__isnull=True):
        returned_at = None
        for record in HistoricalProjectPlan.objects.filter(id=plan.pk).order_by("-history_date"):
            if record.status != "returned":
                break
            returned_at = record.history_date
        ProjectPlan.objects.filter(pk=plan.pk).update(returned_at=returned_at or plan.updated_at)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0006_plan_transition"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalprojectplan",
            name="returned_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="returned"),
        ),
        migrations.AddField(
            model_name="projectplan",
            name="returned_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="returned"),
        ),
        migrations.RunPython(_returned_at_from_history, migrations.RunPython.noop),
    ]
