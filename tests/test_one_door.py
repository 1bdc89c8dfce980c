"""One door for every write (plans/services.py): each path records history and moves the data version;
nothing with history is lost; the findings of issue 10 stay fixed."""

from __future__ import annotations

import ast
import datetime as dt
import html
import io
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from plans import services
from plans.backup import export_data, import_data
from plans.choices import Status
from plans.demo import DemoBuilder
from plans.models import (
    Action,
    ActionPlan,
    DataVersion,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    StatusUpdate,
)
from roadmap.models import Country
from tests.builders import (
    goal,
    make_action,
    make_indicator,
    make_kpi,
    make_milestone,
    make_plan,
    make_update,
)
from tests.conftest import DEMO_AS_OF
from tests.updates_support import Site, make_site

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def text_of(response: Any) -> str:
    """The page's text as a reader sees it: tags dropped, entities decoded, white space folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def admin_url(model: type[Model], action: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def history_count() -> int:
    return sum(model.history.count() for model in services.HISTORY_MODELS)  # type: ignore[attr-defined]


def records(write: Callable[[], Any]) -> tuple[int, bool]:
    """How many history rows a write adds, and whether it moved the data version."""
    rows, version = history_count(), DataVersion.current()
    write()
    return history_count() - rows, DataVersion.current() > version


def admin_form_data(client: Client, url: str) -> dict[str, Any]:
    """What the admin's change page would post back unchanged: its form and its inlines."""
    response = client.get(url)
    assert response.status_code == 200
    data: dict[str, Any] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name, field in management.fields.items():
            value = management[name].value()
            value = field.initial if value is None else value
            if value is not None:
                data[management.add_prefix(name)] = value
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:]+.*", value):
                value = dt.datetime.fromisoformat(value)
            if isinstance(value, dt.datetime):  # the admin's date and time boxes
                data[form.add_prefix(name) + "_0"] = value.date().isoformat()
                data[form.add_prefix(name) + "_1"] = value.time().isoformat()
                continue
            if isinstance(value, dt.date):
                value = value.isoformat()
            data[form.add_prefix(name)] = value
    return data


# --- No other module writes -------------------------------------------------------------------------

WRITE_METHODS = r"save|create|get_or_create|update_or_create|update|delete|bulk_create|bulk_update"
MODEL_NAMES = "|".join(m.__name__ for m in services.WRITTEN_HERE)


def _writes_in(path: Path) -> list[str]:
    """Calls such as Action.objects.create(...), plan.save(), x.delete() on plan or reference rows.

    Plan and reference rows are recognised by the model's name on the call's receiver chain, or by a
    variable holding one (a name made from the model's name, such as plan, action, milestone, kpi,
    indicator, country, goal, target, value, obj).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    model_re = re.compile(rf"\b({MODEL_NAMES})\b")
    variable_re = re.compile(
        r"^(plan|action|milestone|kpi|indicator|country|goal|target|value|update|obj|locked|"
        r"standing|new|saved|row|record)s?\b"
    )
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if not re.fullmatch(WRITE_METHODS, node.func.attr):
            continue
        receiver = ast.unparse(node.func.value)
        if receiver.endswith(("objects", "_default_manager")) or ".objects." in receiver:
            if model_re.search(receiver):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:80]}")
        elif node.func.attr in ("save", "delete") and variable_re.match(receiver):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_no_module_but_the_write_module_writes_plan_or_reference_data() -> None:
    sources = [
        *sorted((ROOT / "plans").rglob("*.py")),
        *sorted((ROOT / "roadmap").rglob("*.py")),
        *sorted((ROOT / "scripts").rglob("*.py")),
        *sorted((ROOT / "bench").rglob("*.py")),
        ROOT / "tests" / "builders.py",
    ]
    allowed = {ROOT / "plans" / "services.py"}
    writes = [
        line
        for path in sources
        if path not in allowed and "migrations" not in path.parts
        for line in _writes_in(path)
    ]
    assert writes == []


def test_the_grep_finds_a_write_outside_the_write_module(tmp_path: Path) -> None:
    sneaky = ROOT / "plans" / "_sneaky_for_test.py"
    sneaky.write_text(
        "def f(plan, x):\n    plan.save()\n    Action.objects.filter(pk=1).update(title='x')\n"
    )
    try:
        assert len(_writes_in(sneaky)) == 2
    finally:
        sneaky.unlink()


# --- Every path records history and moves the data version -----------------------------------------


def test_the_site_forms_record_history_and_move_the_version(impacs_client: Client) -> None:
    site = make_site()
    added, moved = records(lambda: impacs_client.post(site.status_url(), site.status_data()))
    assert added == 1 and moved
    record = site.action.history.first()
    assert record.history_change_reason == "site"
    assert record.history_user.username == "staff"

    added, moved = records(
        lambda: impacs_client.post(
            reverse("milestone_done", args=[site.open_milestone.pk]),
            {"completed_on": "2026-11-01", "loaded": ""},
        )
    )
    assert added == 1 and moved
    added, moved = records(lambda: impacs_client.post(site.kpi_url(), site.kpi_data()))
    assert added == 1 and moved


def test_the_admin_records_history_and_moves_the_version(
    admin_user_client: Client, administrator: User
) -> None:
    site = make_site()
    # Add a plan.
    data = {
        "country": Country.objects.get(iso3="BRB").pk,
        "title": "Barbados plan",
        "stage": "not_started",
        "start_year": 2024,
        "end_year": 2030,
        "is_current": "on",
        "actions-TOTAL_FORMS": 0,
        "actions-INITIAL_FORMS": 0,
        "kpis-TOTAL_FORMS": 0,
        "kpis-INITIAL_FORMS": 0,
    }
    added, moved = records(lambda: admin_user_client.post(admin_url(ActionPlan, "add"), data))
    assert added == 1 and moved, ActionPlan.objects.filter(title="Barbados plan").exists()
    plan = ActionPlan.objects.get(title="Barbados plan")
    assert plan.history.get().history_change_reason == "admin"
    assert plan.history.get().history_user == administrator

    # Change an action.
    url = admin_url(Action, "change", site.action.pk)
    data = admin_form_data(admin_user_client, url)
    data["title"] = "Review and amend the firearms act"
    added, moved = records(lambda: admin_user_client.post(url, data))
    assert added == 1 and moved
    assert site.action.history.first().history_change_reason == "admin"

    # Delete a milestone made by mistake (no history beyond its creation).
    mistake = make_milestone(site.action, title="Typo")
    added, moved = records(
        lambda: admin_user_client.post(admin_url(Milestone, "delete", mistake.pk), {"post": "yes"})
    )
    assert not Milestone.objects.filter(pk=mistake.pk).exists()
    assert added == 1 and moved
    assert Milestone.history.filter(id=mistake.pk).first().history_type == "-"


def test_a_restore_records_history_in_bulk_and_moves_the_version(demo: dict[str, int]) -> None:
    text = export_data_text()
    added, moved = records(lambda: import_data(text, replace=True))
    assert moved
    # The deletions and the new rows of every plan, action, milestone, KPI and value.
    assert added >= 2 * (
        ActionPlan.objects.count() + Action.objects.count() + Milestone.objects.count()
    )
    assert Action.history.filter(history_change_reason="restore", history_type="+").count() == (
        Action.objects.count()
    )


def export_data_text() -> str:
    out = io.StringIO()
    call_command("export_data", stdout=out)
    return out.getvalue()


def test_load_demo_records_history_in_bulk_and_moves_the_version() -> None:
    added, moved = records(lambda: DemoBuilder(DEMO_AS_OF).build())
    assert moved
    assert Action.history.filter(history_change_reason="demonstration").count() == (
        Action.objects.count()
    )
    assert added > Action.objects.count() + Milestone.objects.count()


def test_export_data_is_importable() -> None:
    assert export_data()["format"]


# --- Nothing with history is lost ------------------------------------------------------------------


def test_the_plan_inline_delete_tickbox_cannot_delete_an_action_with_history(
    admin_user_client: Client,
) -> None:
    site = make_site()
    url = admin_url(ActionPlan, "change", site.plan.pk)
    data = admin_form_data(admin_user_client, url)
    data["actions-0-DELETE"] = "on"
    response = admin_user_client.post(url, data)
    assert response.status_code == 200  # the form again, with the refusal
    assert "Not applicable" in text_of(response)
    assert Action.objects.filter(pk=site.action.pk).exists()
    assert site.action.updates.count() == 1


def test_deleting_an_action_or_plan_with_history_is_refused_with_what_to_do_instead(
    admin_user_client: Client,
) -> None:
    site = make_site()
    response = admin_user_client.post(
        admin_url(Action, "delete", site.action.pk), {"post": "yes"}, follow=True
    )
    assert "Not applicable" in text_of(response)
    assert Action.objects.filter(pk=site.action.pk).exists()
    response = admin_user_client.post(
        admin_url(ActionPlan, "delete", site.plan.pk), {"post": "yes"}, follow=True
    )
    assert "current plan" in text_of(response)
    assert ActionPlan.objects.filter(pk=site.plan.pk).exists()
    response = admin_user_client.post(
        admin_url(Milestone, "delete", site.done_milestone.pk), {"post": "yes"}, follow=True
    )
    assert Milestone.objects.filter(pk=site.done_milestone.pk).exists()
    response = admin_user_client.post(
        admin_url(IndicatorTarget, "delete", site.kpi.pk), {"post": "yes"}, follow=True
    )
    assert IndicatorTarget.objects.filter(pk=site.kpi.pk).exists()
    with pytest.raises(Exception, match="history"):
        services.delete(site.action, by=None, via="test")


def test_a_kpi_value_is_never_edited_in_place_or_deleted_in_the_admin(
    admin_user_client: Client, administrator: User
) -> None:
    site = make_site()
    value = site.value_2024
    response = admin_user_client.post(
        admin_url(IndicatorValue, "change", value.pk),
        {"indicator_target": site.kpi.pk, "year": 2024, "value": "777", "note": "", "author": ""},
    )
    assert response.status_code == 403
    response = admin_user_client.post(
        admin_url(IndicatorValue, "delete", value.pk), {"post": "yes"}
    )
    assert response.status_code == 403
    value.refresh_from_db()
    assert value.value == Decimal(12) and value.superseded_at is None

    # Without the correction tickbox, a second value for 2024 is refused ...
    add = admin_url(IndicatorValue, "add")
    data = {"indicator_target": site.kpi.pk, "year": 2024, "value": "777", "note": "Audit"}
    response = admin_user_client.post(add, data)
    assert response.status_code == 200
    assert "Tick this box to correct it" in text_of(response)
    # ... with it, the new value supersedes the old one, and both are kept.
    response = admin_user_client.post(add, {**data, "correction": "on"})
    assert response.status_code == 302
    values = list(site.kpi.values.filter(year=2024).order_by("recorded_at"))
    assert [v.value for v in values] == [Decimal(12), Decimal(777)]
    assert values[0].superseded_at is not None and values[1].superseded_at is None
    assert values[1].author == administrator
    assert values[1].history.first().history_change_reason == "admin"


def test_completing_and_reopening_a_milestone_records_who_and_when(impacs: User) -> None:
    site = make_site()
    milestone = site.open_milestone
    services.complete_milestone(milestone=milestone, completed_on=dt.date(2026, 11, 2), by=impacs)
    services.reopen_milestone(milestone=milestone, by=impacs)
    reopened, completed = list(milestone.history.all()[:2])
    assert reopened.completed_on is None and reopened.history_user == impacs
    assert completed.completed_on == dt.date(2026, 11, 2) and completed.history_user == impacs
    assert completed.history_date <= reopened.history_date
    assert reopened.history_change_reason == completed.history_change_reason == "site"


def test_a_status_update_in_the_admin_stays_read_only(admin_user_client: Client) -> None:
    site = make_site()
    update = site.action.updates.get()
    response = admin_user_client.post(
        admin_url(StatusUpdate, "change", update.pk), {"note": "Rewritten"}
    )
    assert response.status_code == 403


def test_a_renamed_user_is_renamed_on_the_cached_dashboard(
    admin_user_client: Client, partner_client: Client, impacs: User
) -> None:
    site = make_site()
    make_update(site.action, Status.SUBSTANTIAL, dt.date(2026, 11, 1), author=impacs)
    assert "Ira Mitchell" in text_of(partner_client.get("/"))
    url = reverse("admin:auth_user_change", args=[impacs.pk])
    data = admin_form_data(admin_user_client, url)
    data["last_name"] = "Mitchell-Grant"
    data.pop("password", None)
    response = admin_user_client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    page = text_of(partner_client.get("/"))
    assert "Ira Mitchell-Grant" in page


# --- The findings on the action page's KPI form ----------------------------------------------------


def test_a_kpi_value_is_refused_through_an_action_whose_page_does_not_show_that_kpi(
    impacs_client: Client,
) -> None:
    site = make_site()
    other_goal = make_kpi(site.plan, make_indicator("OTHER", goal=goal(4)))
    url = reverse("kpi_value", args=[site.action.pk, other_goal.pk])
    response = impacs_client.post(url, site.kpi_data())
    assert response.status_code == 404
    assert not other_goal.values.exists()


def test_an_invalid_kpi_value_shows_its_error_on_the_page(impacs_client: Client) -> None:
    site: Site = make_site()
    response = impacs_client.post(site.kpi_url(), site.kpi_data(value="-5"))
    assert response.status_code == 400
    assert "A count cannot be negative." in text_of(response)


# --- The Changes list ------------------------------------------------------------------------------


def test_the_action_page_lists_the_admins_change_with_labels_and_formatted_values(
    admin_user_client: Client, partner_client: Client
) -> None:
    site = make_site()
    services.update_action(
        action=site.action, changes={"due_date": dt.date(2027, 1, 12)}, by=None, via="test"
    )
    url = admin_url(Action, "change", site.action.pk)
    data = admin_form_data(admin_user_client, url)
    data["due_date"] = "2027-06-30"
    data["title"] = "Review and amend the firearms act"
    assert admin_user_client.post(url, data).status_code == 302
    page = text_of(partner_client.get(site.action.get_absolute_url()))
    assert "Due date 12 Jan 2027 -> 30 Jun 2027" in page
    assert "Title Review the firearms act -> Review and amend the firearms act" in page
    assert "by root" in page and "via admin" in page
    # The admin's own history page says the same.
    history = text_of(admin_user_client.get(admin_url(Action, "history", site.action.pk)))
    assert "12 Jan 2027" in history and "30 Jun 2027" in history


def test_the_country_page_lists_the_plans_changes(partner_client: Client) -> None:
    plan = make_plan("JAM")
    services.update_plan(plan=plan, changes={"title": "Jamaica's plan"}, by=None, via="admin")
    page = text_of(partner_client.get("/countries/jam/"))
    assert "Title JAM National Action Plan -> Jamaica's plan" in page


def test_the_changes_list_is_paged_newest_first(partner_client: Client) -> None:
    plan = make_plan("JAM")
    action = make_action(plan, title="v0")
    for n in range(1, 13):
        services.update_action(action=action, changes={"title": f"v{n}"}, by=None, via="test")
    first = text_of(partner_client.get(action.get_absolute_url()))
    assert "v11 -> v12" in first and "v0 -> v1" not in first
    second = text_of(partner_client.get(action.get_absolute_url() + "?changes=2"))
    assert "v0 -> v1" in second


def test_a_fresh_action_can_be_deleted_but_one_with_history_cannot() -> None:
    plan = make_plan()
    fresh = make_action(plan)
    services.delete(fresh, by=None, via="test")
    assert not Action.objects.filter(pk=fresh.pk).exists()
    used = make_action(plan, goal=goal(2))
    make_update(used, Status.LIMITED, dt.date(2024, 1, 1))
    assert services.deletion_refused(used)
    assert StatusUpdate.objects.filter(action=used).exists()
