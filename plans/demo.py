"""Demonstration data: the real stages and known dates of the 16 states' plans, and illustrative
actions, milestones, status history and KPI values for the 12 drafted plans.

Deterministic: the same ``as_of`` date (and scale) always gives the same data. Nothing here is official
text: illustrative indicators say so in their titles, and every page shows a "Demonstration data" banner.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from plans import services
from plans.choices import Stage, Status
from plans.models import (
    Action,
    ActionPlan,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    StatusUpdate,
)
from plans.roles import IMPACS_STAFF, PARTNER_OFFICIALS
from roadmap.models import Country, Goal, Indicator

# The change reason of everything load_demo writes.
VIA = "demonstration"

DEMO_PASSWORD = "roadmap-demo"
SEED = 2030


@dataclass(frozen=True)
class PlanFacts:
    """What is publicly known of a state's plan; None where the date is not known."""

    stage: str
    seminar: dt.date | None = None
    baseline: dt.date | None = None
    drafting: dt.date | None = None


# Status at the end of November 2022 (and the Bahamas' roundtable of September 2024).
KNOWN: dict[str, PlanFacts] = {
    "ATG": PlanFacts(Stage.APPROVED, seminar=dt.date(2020, 11, 23)),
    "BLZ": PlanFacts(Stage.APPROVED),
    "GRD": PlanFacts(Stage.APPROVED, baseline=dt.date(2022, 6, 30)),
    "GUY": PlanFacts(Stage.APPROVED),
    "KNA": PlanFacts(Stage.APPROVED),
    "LCA": PlanFacts(Stage.APPROVED, seminar=dt.date(2021, 6, 11)),
    "HTI": PlanFacts(Stage.APPROVED, seminar=dt.date(2022, 2, 15)),
    "BRB": PlanFacts(Stage.DRAFT_COMPLETED),
    "JAM": PlanFacts(Stage.DRAFT_COMPLETED),
    "VCT": PlanFacts(Stage.DRAFT_COMPLETED),
    "SUR": PlanFacts(Stage.DRAFT_COMPLETED),
    "TTO": PlanFacts(
        Stage.DRAFT_COMPLETED, seminar=dt.date(2020, 10, 26), baseline=dt.date(2022, 6, 28)
    ),
    "BHS": PlanFacts(Stage.DRAFTING, drafting=dt.date(2024, 9, 1)),
    "DOM": PlanFacts(Stage.SEMINAR_HELD, seminar=dt.date(2021, 7, 1)),
}
# Plans far enough along in the demonstration to be complete, so the headline is not always zero.
COMPLETE_IN_DEMO = {"ATG", "KNA"}

ILLUSTRATIVE_ACTIONS: dict[int, list[str]] = {
    1: [
        "Review the firearms act against the regional model legislation",
        "Draft regulations on the brokering of firearms and ammunition",
        "Align licensing criteria with the Arms Trade Treaty",
        "Introduce offences for illicit manufacture, including 3D-printed firearms",
        "Set minimum penalties for trafficking in firearms and ammunition",
        "Regulate the marking of firearms at import",
        "Create a national firearms commission",
        "Harmonise ammunition controls with firearm controls",
        "Publish a national firearms policy",
        "Establish rules for the deactivation of firearms",
    ],
    2: [
        "Install non-intrusive inspection equipment at the main seaport",
        "Train customs officers in the detection of firearm parts in cargo",
        "Set up a joint port intelligence unit",
        "Share advance cargo information with regional partners",
        "Introduce risk profiles for postal and courier shipments",
        "Patrol unmanned landing sites with the coast guard",
        "Sign a memorandum on cross-border information exchange",
        "Screen outgoing cargo for firearms and ammunition",
        "Run joint operations against trafficking routes",
        "Create a national focal point for firearm tracing requests",
    ],
    3: [
        "Connect the police to the INTERPOL iARMS database",
        "Adopt an eTrace memorandum of understanding",
        "Equip the forensic laboratory with ballistic identification",
        "Train investigators in firearm trafficking cases",
        "Set up a dedicated firearms investigation unit",
        "Train prosecutors in firearms cases",
        "Collect firearm crime data by a common template",
        "Publish an annual firearm crime report",
        "Run a community violence-reduction programme",
        "Train officers in crime scene management for shootings",
    ],
    4: [
        "Audit the physical security of state armouries",
        "Introduce an electronic register of state-held firearms",
        "Mark all state-owned firearms",
        "Destroy surplus and confiscated firearms",
        "Adopt stockpile management standards for ammunition",
        "Inspect private security companies' armouries",
        "Record firearms held as court exhibits",
        "Train armourers in stockpile management",
        "Reconcile import records with licence records",
        "Set a schedule for the disposal of seized ammunition",
    ],
}
LEAD_AGENCIES = [
    "Ministry of National Security",
    "Police Firearms Unit",
    "Customs and Excise Department",
    "Attorney General's Chambers",
    "Defence Force",
    "Forensic Science Laboratory",
    "Firearms Licensing Authority",
    "Coast Guard",
    "Office of the Director of Public Prosecutions",
]
# (code, goal, title, unit, direction, baseline range, yearly change)
ILLUSTRATIVE_INDICATORS = [
    (
        "DEMO-1.1",
        1,
        "Firearms laws aligned with the model legislation (illustrative)",
        "yes_no",
        "higher",
    ),
    (
        "DEMO-2.1",
        2,
        "Illicit firearms seized at ports of entry a year (illustrative)",
        "count",
        "higher",
    ),
    (
        "DEMO-3.1",
        3,
        "Share of homicides committed with a firearm (illustrative)",
        "percent",
        "lower",
    ),
    ("DEMO-3.2", 3, "Seized firearms submitted for tracing (illustrative)", "percent", "higher"),
    ("DEMO-4.1", 4, "State armouries audited in the year (illustrative)", "count", "higher"),
]
STEPS: list[str] = [Status.NOT_STARTED, Status.LIMITED, Status.SUBSTANTIAL, Status.COMPLETED]


def _day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _months(date: dt.date, months: int) -> dt.date:
    month = date.month - 1 + months
    return dt.date(date.year + month // 12, month % 12 + 1, min(date.day, 28))


def create_demo_users() -> dict[str, User]:
    """admin (superuser), impacs (IMPACS staff) and partner (Partner official): only with DEBUG on."""
    user_model = User
    users: dict[str, User] = {}
    for username, first, last, group, superuser in [
        ("admin", "Site", "Administrator", None, True),
        ("impacs", "Ira", "Mitchell", IMPACS_STAFF, False),
        ("partner", "Paula", "Reyes", PARTNER_OFFICIALS, False),
    ]:
        user, _ = user_model.objects.get_or_create(username=username)
        user.first_name, user.last_name = first, last
        user.is_staff = user.is_superuser = superuser
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        if group:
            user.groups.set([Group.objects.get(name=group)])
        users[username] = user
    return users


class DemoBuilder:
    def __init__(self, as_of: dt.date, scale: int = 1, author: User | None = None):
        if as_of < dt.date(2023, 1, 1):
            raise ValueError("The demonstration data needs an as-of date in 2023 or later.")
        self.as_of = as_of
        self.scale = scale
        self.author = author
        self.rng = random.Random(SEED)
        self.goals = {goal.number: goal for goal in Goal.objects.all()}

    @transaction.atomic
    def build(self) -> dict[str, int]:
        # Remove the earlier demonstration (cascades to actions, history, KPIs) and start afresh.
        services.delete_plans(ActionPlan.objects.filter(is_demo=True), by=self.author, via=VIA)
        taken = set(ActionPlan.objects.current().values_list("country__iso3", flat=True))
        indicators = self._indicators()
        countries = {c.iso3: c for c in Country.objects.filter(iso3__in=KNOWN)}
        counts = {"plans": 0, "actions": 0, "updates": 0, "milestones": 0, "kpi_values": 0}
        for iso3, facts in KNOWN.items():
            # Each state draws from its own stream, so adding a state never changes the others.
            self.rng = random.Random(f"{SEED}-{iso3}")
            if iso3 in taken or iso3 not in countries:
                continue
            plan = self._plan(countries[iso3], facts)
            counts["plans"] += 1
            if plan.stage in (Stage.DRAFT_COMPLETED, Stage.APPROVED):
                self._actions(plan, complete=iso3 in COMPLETE_IN_DEMO, counts=counts)
                self._kpis(plan, indicators, counts)
        return counts

    def _indicators(self) -> list[Indicator]:
        out = []
        for code, goal, title, unit, direction in ILLUSTRATIVE_INDICATORS:
            fields = {
                "goal": self.goals[goal],
                "title": title,
                "unit": unit,
                "direction": direction,
            }
            indicator = Indicator.objects.filter(code=code).first()
            if indicator is None:
                indicator = services.create_indicator(by=self.author, via=VIA, code=code, **fields)
            else:
                changes = {k: v for k, v in fields.items() if getattr(indicator, k) != v}
                if changes:
                    services.update_indicator(
                        indicator=indicator, changes=changes, by=self.author, via=VIA
                    )
            out.append(indicator)
        return out

    def _plan(self, country: Country, facts: PlanFacts) -> ActionPlan:
        rng = self.rng
        seminar = facts.seminar or _day_between(rng, dt.date(2020, 11, 1), dt.date(2021, 9, 30))
        plan = ActionPlan(
            country=country,
            title=f"{country.name} National Action Plan on Firearms and Ammunition",
            stage=facts.stage,
            seminar_held_on=seminar,
            start_year=2022,
            end_year=2030,
            is_current=True,
            is_demo=True,
        )
        if facts.stage in (Stage.DRAFT_COMPLETED, Stage.APPROVED):
            drafting = facts.drafting or _day_between(
                rng, seminar + dt.timedelta(days=30), seminar + dt.timedelta(days=120)
            )
            baseline = facts.baseline or _day_between(
                rng,
                max(drafting, dt.date(2021, 9, 1)) + dt.timedelta(days=30),
                dt.date(2022, 7, 31),
            )
            draft = _day_between(rng, baseline + dt.timedelta(days=20), dt.date(2022, 10, 15))
            plan.drafting_started_on, plan.baseline_assessed_on = drafting, baseline
            plan.draft_completed_on = draft
            if facts.stage == Stage.APPROVED:
                plan.approved_on = _day_between(
                    rng, draft + dt.timedelta(days=10), dt.date(2022, 11, 30)
                )
            plan.start_year = baseline.year
        elif facts.stage == Stage.DRAFTING:
            plan.drafting_started_on = facts.drafting
            plan.start_year = facts.drafting.year if facts.drafting else 2024
            plan.title = f"{country.name} National Action Plan (in drafting)"
        else:
            plan.start_year = seminar.year
            plan.title = f"{country.name} National Action Plan (not yet drafted)"
        return services.create(plan, by=self.author, via=VIA)

    def _actions(self, plan: ActionPlan, complete: bool, counts: dict[str, int]) -> None:
        rng = self.rng
        assert plan.baseline_assessed_on is not None
        baseline = plan.baseline_assessed_on
        pace = 1.0 if complete else rng.uniform(0.25, 0.85)
        n_actions = rng.randint(20, 40) * self.scale
        per_goal: dict[int, int] = {1: 0, 2: 0, 3: 0, 4: 0}
        actions: list[Action] = []
        paths: list[list[tuple[dt.date, str, str]]] = []
        for i in range(n_actions):
            goal = (i % 4) + 1
            per_goal[goal] += 1
            titles = ILLUSTRATIVE_ACTIONS[goal]
            title = titles[(per_goal[goal] - 1 + rng.randint(0, 9)) % len(titles)]
            latest_start = self.as_of - dt.timedelta(days=90) if complete else dt.date(2027, 6, 30)
            start = _day_between(rng, baseline, latest_start)
            due = min(_months(start, rng.randint(6, 36)), dt.date(2030, 12, 31))
            roll = rng.random()
            baseline_status = (
                Status.NOT_APPLICABLE
                if roll < 0.03 and not complete
                else Status.SUBSTANTIAL
                if roll < 0.10
                else Status.LIMITED
                if roll < 0.30
                else Status.NOT_STARTED
            )
            path = self._history(baseline_status, baseline, start, due, pace, complete)
            status = path[-1][2] if path else baseline_status
            actions.append(
                Action(
                    plan=plan,
                    goal=self.goals[goal],
                    code=f"{goal}.{per_goal[goal]}",
                    title=title,
                    lead_agency=rng.choice(LEAD_AGENCIES),
                    start_date=start,
                    due_date=due,
                    baseline_status=baseline_status,
                    status=status,
                    status_changed_on=path[-1][0] if path else None,
                    version=len(path),
                )
            )
            paths.append(path)
        services.bulk_create(Action, actions, by=self.author, via=VIA)
        updates, milestones = [], []
        for action, path in zip(actions, paths, strict=True):
            for reported_on, before, after in path:
                updates.append(
                    StatusUpdate(
                        action=action,
                        from_status=before,
                        to_status=after,
                        reported_on=reported_on,
                        note=self._note(before, after),
                        author=self.author,
                        evidence_url=""
                        if rng.random() < 0.6
                        else f"https://example.org/evidence/{plan.country.iso3.lower()}/{action.code}",
                        recorded_at=timezone.make_aware(
                            dt.datetime.combine(reported_on, dt.time(10 + rng.randint(0, 6)))
                        ),
                    )
                )
            milestones.extend(self._milestones(action))
        services.bulk_create(StatusUpdate, updates, by=self.author, via=VIA, batch_size=2000)
        services.bulk_create(Milestone, milestones, by=self.author, via=VIA, batch_size=2000)
        counts["actions"] += len(actions)
        counts["updates"] += len(updates)
        counts["milestones"] += len(milestones)

    def _history(
        self,
        baseline_status: str,
        baseline: dt.date,
        start: dt.date,
        due: dt.date,
        pace: float,
        complete: bool,
    ) -> list[tuple[dt.date, str, str]]:
        """Forward steps on the status scale between the baseline and the as-of date."""
        rng = self.rng
        if baseline_status == Status.NOT_APPLICABLE:
            return []
        first = max(baseline + dt.timedelta(days=14), start)
        if first >= self.as_of:
            return []
        elapsed = (self.as_of - first).days / max(1, (due - first).days)
        reach = (
            STEPS.index(Status.COMPLETED)
            if complete
            else min(3, round(3 * min(1.0, elapsed) * pace + rng.uniform(-0.6, 0.6)))
        )
        here = STEPS.index(baseline_status)
        steps = [STEPS[i] for i in range(here + 1, max(here, reach) + 1)]
        if not complete and rng.random() < 0.02:
            steps.append(Status.NOT_APPLICABLE)
        # Progress notes at the same status make the history longer at larger scales.
        steps += [None] * (rng.randint(0, 1) + self.scale // 4)  # type: ignore[list-item]
        days = sorted(_day_between(rng, first, self.as_of) for _ in steps)
        path: list[tuple[dt.date, str, str]] = []
        current = baseline_status
        for day, step in zip(days, steps, strict=True):
            after = current if step is None else step
            path.append((day, current, after))
            current = after
        return path

    def _note(self, before: str, after: str) -> str:
        if before == after:
            return "Progress note: work continues as planned; next review at the quarterly meeting."
        return (
            f"Illustrative update: reported as {Status(after).label.lower()} "
            f"(was {Status(before).label.lower()}) at the national focal point's review."
        )

    def _milestones(self, action: Action) -> list[Milestone]:
        rng = self.rng
        out = []
        count = rng.randint(1, 3)
        span = max(1, (action.due_date - action.start_date).days)
        done_share = {
            Status.COMPLETED: 1.0,
            Status.SUBSTANTIAL: 0.67,
            Status.LIMITED: 0.34,
        }.get(Status(action.status), 0.0)
        for n in range(count):
            due = action.start_date + dt.timedelta(days=span * (n + 1) // count)
            done = (n + 1) / count <= done_share + 1e-9 and due - dt.timedelta(
                days=60
            ) <= self.as_of
            completed_on = min(due, self.as_of) if done else None
            out.append(
                Milestone(
                    action=action,
                    title=[
                        "Terms of reference agreed",
                        "Work under way",
                        "Result delivered and reported",
                    ][n],
                    due_date=due,
                    completed_on=completed_on,
                )
            )
        return out

    def _kpis(self, plan: ActionPlan, indicators: list[Indicator], counts: dict[str, int]) -> None:
        rng = self.rng
        assert plan.baseline_assessed_on is not None
        base_year = plan.baseline_assessed_on.year
        chosen = [indicators[0], *rng.sample(indicators[1:], 3)]
        kpis: list[IndicatorTarget] = []
        values = []
        for indicator in chosen:
            if indicator.unit == Indicator.Unit.YES_NO:
                baseline, target = Decimal(0), Decimal(1)
            elif indicator.unit == Indicator.Unit.PERCENT:
                baseline = Decimal(rng.randint(20, 70))
                target = (
                    baseline - 15
                    if indicator.direction == "lower"
                    else min(Decimal(95), baseline + 30)
                )
            else:
                baseline = Decimal(rng.randint(5, 60))
                target = baseline * 2 if indicator.direction == "higher" else baseline / 2
            kpi = IndicatorTarget(
                plan=plan,
                indicator=indicator,
                baseline_value=baseline,
                baseline_year=base_year,
                target_value=target,
                target_year=2030,
            )
            kpis.append(kpi)
            for year in range(base_year + 1, self.as_of.year):
                share = (year - base_year) / (2030 - base_year) * rng.uniform(0.6, 1.5)
                value = baseline + (target - baseline) * Decimal(str(round(share, 2)))
                if indicator.unit == Indicator.Unit.YES_NO:
                    value = Decimal(1 if share > 0.5 else 0)
                values.append(
                    IndicatorValue(
                        indicator_target=kpi,
                        year=year,
                        value=value.quantize(Decimal("0.01")),
                        note="Illustrative value.",
                        author=self.author,
                        recorded_at=timezone.make_aware(dt.datetime(year + 1, 2, 15, 12)),
                    )
                )
        services.bulk_create(IndicatorTarget, kpis, by=self.author, via=VIA)
        services.bulk_create(IndicatorValue, values, by=self.author, via=VIA)
        counts["kpi_values"] += len(values)
