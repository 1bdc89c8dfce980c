"""Plan and reference workbooks in the reader's language: headers, labels, statuses and stages
translated, data unchanged, and a file in any of the site's languages read by a reader of any other."""

from __future__ import annotations

import importlib.util
import io
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from plans.choices import Stage, Status
from plans.models import Action, ActionPlan
from plans.workbooks import read, schema
from plans.workbooks import reference as reference_workbook
from roadmap.models import Indicator, Target
from tests.builders import goal, make_indicator
from tests.workbook_support import edited, find_row, upload

PLAN_URL = "/countries/jam/plan.xlsx"
IMPORT_URL = "/countries/jam/import/"
SHEETS = ["Instructions", "Plan", "Actions", "Milestones", "KPIs", "KPI values"]
# Translations already in locale/*/LC_MESSAGES/django.po (docs/glossary.md's terms).
HEADERS = {
    "es": {
        "Actions": ["Código", "Objetivo", "Meta", "Título", "Organismo responsable", "Inicio"],
        "Milestones": ["Título", "Fecha límite", "Cumplido el"],
        "KPIs": ["Línea de base", "Meta"],
        "KPI values": ["Año", "Valor", "Nota"],
        "Plan": ["Título", "Etapa"],
    },
    "fr": {
        "Actions": ["Objectif", "Cible", "Titre", "Organisme chef de file", "Début", "Échéance"],
        "Milestones": ["Titre", "Échéance", "Atteint le"],
        "KPIs": ["Référence", "Cible"],
        "KPI values": ["Année", "Valeur"],
        "Plan": ["Titre", "Étape"],
    },
    "nl": {
        "Actions": ["Doel", "Subdoel", "Titel", "Leidende instantie", "Einddatum"],
        "Milestones": ["Titel", "Einddatum", "Afgerond op"],
        "KPIs": ["Nulmeting", "Streefwaarde"],
        "KPI values": ["Jaar", "Waarde", "Toelichting"],
        "Plan": ["Titel", "Fase"],
    },
}
INSTRUCTIONS_TITLE = {
    "es": "Cómo editar este libro",
    "fr": "Comment modifier ce classeur",
    "nl": "Zo bewerkt u deze werkmap",
}


def in_language(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def export(client: Client, language: str) -> bytes:
    response = in_language(client, language).get(PLAN_URL)
    assert response.status_code == 200
    return response.content


def preview(client: Client, language: str, data: bytes) -> Any:
    response = in_language(client, language).post(IMPORT_URL, {"workbook": upload(data)})
    assert response.status_code == 200, response.content.decode()[:3000]
    return response


def header(sheet: Any) -> list[Any]:
    return [c.value for c in sheet[1]]


def data(sheet: Any) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def labels(choices: Any, language: str) -> dict[str, str]:
    """A choice's label in that language, by its English label."""
    with translation.override(language):
        translated = [str(label) for label in choices.labels]
    with translation.override("en-gb"):
        return dict(zip([str(label) for label in choices.labels], translated, strict=True))


def test_an_export_has_translated_headers_and_unchanged_data(
    demo: dict[str, int], partner_client: Client
) -> None:
    english = load_workbook(io.BytesIO(export(partner_client, "en-gb")))
    assert header(english["Actions"]) == [str(c.header) for c in schema.COLUMNS["Actions"]]
    assert header(english["Plan"]) == ["Field", "Value"]
    for language, expected in HEADERS.items():
        book = load_workbook(io.BytesIO(export(partner_client, language)))
        assert book.sheetnames == [*SHEETS, "Lists"]  # the contract: sheet names stay English
        assert book["Instructions"]["A3"].value == INSTRUCTIONS_TITLE[language]
        for sheet, words in expected.items():
            found = header(book[sheet]) if sheet != "Plan" else [c.value for c in book["Plan"]["A"]]
            assert set(words) <= set(found), (language, sheet, found)
        # Statuses and stages in the reader's words, the same ones in the drop-downs' list.
        statuses, stages = labels(Status, language), labels(Stage, language)
        lists = [row[:4] for row in book["Lists"].iter_rows(values_only=True)]
        assert {row[2] for row in lists} - {None} == set(statuses.values())
        assert {row[3] for row in lists} - {None} == set(stages.values())
        # Everything else is the English export's data, cell for cell.
        for sheet in SHEETS[2:]:
            assert len(data(book[sheet])) == len(data(english[sheet]))
            for mine, theirs in zip(data(book[sheet]), data(english[sheet]), strict=True):
                assert mine == [statuses.get(v, v) if isinstance(v, str) else v for v in theirs]
        plan_values = [c.value for c in book["Plan"]["B"]][1:]
        english_plan = [c.value for c in english["Plan"]["B"]][1:]
        assert plan_values == [stages.get(v, v) if isinstance(v, str) else v for v in english_plan]
        assert english["Plan"]["B3"].value in stages  # the stage is there, translated above


@pytest.mark.parametrize(
    ("written_in", "readers"),
    [("es", ["en-gb", "fr", "nl"]), ("fr", ["es", "en-gb"]), ("nl", ["es"])],
)
def test_an_unedited_export_in_one_language_is_no_changes_for_a_reader_of_another(
    demo: dict[str, int],
    partner_client: Client,
    impacs_client: Client,
    written_in: str,
    readers: list[str],
) -> None:
    data = export(partner_client, written_in)
    for reader in readers:
        response = preview(impacs_client, reader, data)
        assert response.context["changes"].is_empty, (written_in, reader)
        assert not response.context["changes"].notes  # no column was left unrecognised


def test_an_edited_spanish_workbook_applies_for_an_english_reader(
    demo: dict[str, int], partner_client: Client, impacs_client: Client
) -> None:
    action = Action.objects.get(plan__country__iso3="JAM", code="2.3")
    new_status = Status.COMPLETED if action.status != Status.COMPLETED else Status.LIMITED
    spanish = labels(Status, "es")
    with translation.override("en-gb"):
        english_label = str(Status(new_status).label)

    def change(book: Any) -> None:
        actions = book["Actions"]
        assert header(actions)[8:10] == [
            translated(schema.COLUMNS["Actions"][8].header, "es"),
            translated(schema.COLUMNS["Actions"][9].header, "es"),
        ]
        row = find_row(actions, 1, "2.3")
        actions.cell(row=row, column=9).value = spanish[english_label]
        actions.cell(row=row, column=10).value = "Confirmado en la revisión de noviembre."

    response = preview(impacs_client, "en-gb", edited(export(partner_client, "es"), change))
    page = response.content.decode()
    assert "Status" in page and english_label in page  # the English reader's words
    applied = impacs_client.post(IMPORT_URL, {"token": response.context["token"]})
    assert applied.status_code == 302
    action.refresh_from_db()
    assert action.status == new_status
    update = action.updates.latest_first().first()
    assert update is not None and update.note == "Confirmado en la revisión de noviembre."


def translated(text: Any, language: str) -> str:
    with translation.override(language):
        return str(text)


def test_messages_name_a_column_as_the_file_writes_it(
    demo: dict[str, int], partner_client: Client, impacs_client: Client
) -> None:
    def problems(change: Any) -> list[str]:
        data = edited(export(partner_client, "es"), change)
        response = in_language(impacs_client, "en-gb").post(IMPORT_URL, {"workbook": upload(data)})
        assert response.status_code == 400
        return [str(p) for p in response.context["changes"].problems]

    def without_due(book: Any) -> None:
        book["Actions"].delete_cols(7)

    def empty_code(book: Any) -> None:
        book["Actions"]["A2"].value = None

    # A missing column in the language of the rest of the file's header row, an empty one as written.
    due = translated(schema.COLUMNS["Actions"][6].header, "es")
    assert f"Actions: the header row lacks the column(s) “{due}”." in problems(without_due)
    assert "Actions!A2: “Código” is empty." in problems(empty_code)


def test_what_is_accepted_does_not_depend_on_the_language_a_module_was_imported_in(
    demo: dict[str, int], partner_client: Client
) -> None:
    """Regression: the reader once built its status and stage names when first imported, so that a
    first import under French refused "Formally approved" and "Limited progress" for everyone."""
    plan = ActionPlan.objects.current().get(country__iso3="JAM")
    plan.stage = Stage.APPROVED
    plan.save()
    french, english = export(partner_client, "fr"), export(partner_client, "en-gb")
    spec = importlib.util.find_spec("plans.workbooks.read")
    assert spec is not None and spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)  # a copy, outside sys.modules
    with translation.override("fr"):
        spec.loader.exec_module(fresh)
        # First used under French too, so that nothing cached on first use keeps French only.
        assert fresh.read_workbook(french, fresh.Reference.load(plan)).problems == []
    for language in ("en-gb", "fr"):
        with translation.override(language):
            book = fresh.read_workbook(english, fresh.Reference.load(plan))
        assert book.problems == [], language
        assert book.plan["stage"] == Stage.APPROVED
        statuses = {row["status"] for row in book.rows["Actions"]}
        assert statuses == set(Action.objects.filter(plan=plan).values_list("status", flat=True))
        assert len(statuses) > 1


@pytest.fixture
def reference(db: None) -> None:
    Target.objects.create(goal=goal(1), code="1.1", title="Harmonise the legislation")
    make_indicator("K1", title="Firearms seized", unit=Indicator.Unit.COUNT)


def test_the_reference_workbook_has_translated_headers_and_reads_in_any_language(
    reference: None, admin_user_client: Client
) -> None:
    response = in_language(admin_user_client, "es").get("/admin/reference-workbook/reference.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Instructions", "Targets", "KPI definitions"]
    assert header(book["Targets"]) == ["Objetivo", "Código", "Título"]
    assert data(book["Targets"]) == [[1, "1.1", "Harmonise the legislation"]]
    preview = in_language(admin_user_client, "fr").post(
        "/admin/reference-workbook/import/", {"workbook": upload(response.content)}
    )
    assert preview.context["changes"].is_empty


def test_no_header_label_or_choice_means_two_things_in_any_language() -> None:
    """The reader takes a name in any language, so a translation may not give one name to two
    columns of a sheet (or two Plan fields, statuses or stages), in one language or across two."""
    groups: dict[str, list[Any]] = {
        **{sheet: [c.header for c in columns] for sheet, columns in schema.COLUMNS.items()},
        **{
            sheet: [c.header for c in columns]
            for sheet, columns in reference_workbook.COLUMNS.items()
        },
        "Plan": [schema.PLAN_HEADERS[0], *(f.label for f in schema.PLAN_FIELDS)],
        "statuses": list(Status.labels),
        "stages": list(Stage.labels),
    }
    for group, texts in groups.items():
        owners: dict[str, int] = {}
        for n, text in enumerate(texts):
            for language, spelt in schema.spellings(text).items():
                assert owners.setdefault(read._key(spelt), n) == n, (group, language, spelt)
