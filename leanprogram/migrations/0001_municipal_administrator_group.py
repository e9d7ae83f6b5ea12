"""The group that makes a staff user their municipality's administrator in the admin.

What it may do there (pilots.admin_base scopes every row to the member's own municipality):
keep the municipality's programmes, departments, people, roles, pilots, meetings, course days and
plans; read the logs the services write (phase changes, plan snapshots and transitions, event
changes, audit events) without rewriting them; withdraw invitations and cancel or reschedule
reminders. Not: delete people (erasure is the privacy service's), delete a plan or a programme,
or touch logins, groups and permissions (superusers' only). Frozen here, as a migration must be;
a superuser may change the group afterwards.
"""

from django.db import migrations

GROUP = "Kommuneadministrator"
ALL = ("view", "add", "change", "delete")
PERMISSIONS = {
    "pilots": {
        "municipality": ("view", "change", "administer"),
        "holidayperiod": ALL,
        "programme": ("view", "add", "change"),
        "programmegoal": ALL,
        "phasetarget": ALL,
        "phasechange": ("view",),
        "department": ALL,
        "person": ("view", "add", "change"),
        "programmerole": ALL,
        "departmentrole": ALL,
        "pilot": ("view", "add", "change"),
        "earlierprocess": ALL,
        "invitation": ("view", "change"),
        "auditevent": ("view",),
    },
    "training": {
        "informationmeeting": ALL,
        "courseday": ALL,
        "attendance": ALL,
        "sessionchoice": ALL,
        "eventchange": ("view", "add"),
    },
    "plans": {
        "projectplan": ("view", "change"),
        "qualitygoal": ALL,
        "waste": ALL,
        "rootcause": ALL,
        "measure": ALL,
        "indicator": ALL,
        "measurement": ALL,
        "measurenote": ALL,
        "suggestion": ("view", "change", "delete"),
        "plansnapshot": ("view",),
        "plantransition": ("view",),
        "boardscreen": ("view", "change"),
    },
    "followup": {
        "followuppolicy": ("view", "change"),
        "followupstep": ALL,
        "followupmeeting": ALL,
        "followupitem": ALL,
        "boardmeeting": ALL,
        "reminder": ("view", "change"),
    },
}


def _codename(action: str, model: str) -> str:
    return "administer_municipality" if action == "administer" else f"{action}_{model}"


def group_create(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    using = schema_editor.connection.alias
    # Permissions are made after the last migration; this one needs them now.
    for label in PERMISSIONS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_contenttypes(app_config, verbosity=0, using=using, apps=apps)
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.using(using).get_or_create(name=GROUP)
    for label, models in PERMISSIONS.items():
        for model, actions in models.items():
            for action in actions:
                group.permissions.add(
                    Permission.objects.using(using).get(
                        content_type__app_label=label,
                        content_type__model=model,
                        codename=_codename(action, model),
                    )
                )


def group_delete(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("pilots", "0010_municipality_administer_permission"),
        ("training", "0005_names_in_norwegian_order"),
        ("plans", "0008_board_screen"),
        ("followup", "0008_reminder_cancelled_by_hand"),
    ]

    operations = [migrations.RunPython(group_create, group_delete)]
