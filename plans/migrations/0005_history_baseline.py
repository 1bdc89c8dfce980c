"""A "created" history entry for every row that existed before the history did, so that the first
change made afterwards shows its old values."""

from django.db import migrations
from django.utils import timezone

MODELS = [
    ("roadmap", "Country"),
    ("roadmap", "Goal"),
    ("roadmap", "Target"),
    ("roadmap", "Indicator"),
    ("plans", "ActionPlan"),
    ("plans", "Action"),
    ("plans", "Milestone"),
    ("plans", "IndicatorTarget"),
    ("plans", "IndicatorValue"),
]


def baseline(apps, schema_editor):
    now = timezone.now()
    for app, name in MODELS:
        model = apps.get_model(app, name)
        historical = apps.get_model(app, f"Historical{name}")
        names = [
            f.attname
            for f in historical._meta.concrete_fields
            if not f.name.startswith("history_")
        ]
        rows = [
            historical(
                history_date=now,
                history_type="+",
                history_change_reason="history started",
                history_user=None,
                **{n: getattr(obj, n) for n in names},
            )
            for obj in model.objects.iterator(chunk_size=2000)
        ]
        historical.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0004_history"),
        ("roadmap", "0003_history"),
    ]

    operations = [migrations.RunPython(baseline, migrations.RunPython.noop)]
