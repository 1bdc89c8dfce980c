from django.db import migrations

from roadmap.reference import GOALS, STATES


def load(apps, schema_editor):
    Country = apps.get_model("roadmap", "Country")
    Goal = apps.get_model("roadmap", "Goal")
    for iso3, name, member in STATES:
        Country.objects.update_or_create(
            iso3=iso3, defaults={"name": name, "caricom_member": member}
        )
    for number, title in GOALS:
        Goal.objects.update_or_create(number=number, defaults={"title": title})


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
