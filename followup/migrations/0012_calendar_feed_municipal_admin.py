"""Municipal administrators see their municipality's calendar links and may withdraw them."""

from django.db import migrations

GROUP = "Kommuneadministrator"
ACTIONS = ("view", "change")


def permissions_grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    using = schema_editor.connection.alias
    # Permissions are made after the last migration; this one needs them now.
    app_config = apps.get_app_config("followup")
    app_config.models_module = True
    create_contenttypes(app_config, verbosity=0, using=using, apps=apps)
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None

    group = apps.get_model("auth", "Group").objects.using(using).filter(name=GROUP).first()
    if group is None:
        return
    Permission = apps.get_model("auth", "Permission")
    for action in ACTIONS:
        group.permissions.add(
            Permission.objects.using(using).get(
                content_type__app_label="followup",
                content_type__model="calendarfeed",
                codename=f"{action}_calendarfeed",
            )
        )


def permissions_revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *apps.get_model("auth", "Permission").objects.filter(
                content_type__app_label="followup", content_type__model="calendarfeed"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("leanprogram", "0001_municipal_administrator_group"),
        ("followup", "0011_followupmeeting_calendar_sequence_and_more"),
    ]

    operations = [migrations.RunPython(permissions_grant, permissions_revoke)]
