from django.contrib.auth.management import create_permissions
from django.db import migrations

from reporting.roles import reporting_permissions


def make_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in reporting_permissions().items():
        group, _ = Group.objects.get_or_create(name=name)
        # Added, not set: IMPACS staff keep the permissions plans/migrations/0002_groups.py gave them.
        group.permissions.add(
            *[
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in perms
            ]
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="National focal points").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("plans", "0002_groups"),
    ]
    operations = [migrations.RunPython(make_groups, remove_groups)]
