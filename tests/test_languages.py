"""English, Spanish, French and Dutch: the browser's language first, the menu's choice remembered for the
user, the same addresses, dates and numbers in the reader's locale, official texts as on file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.conf import settings
from django.test import Client

from plans.choices import Status
from preferences.models import UserSettings
from roadmap.models import Goal
from tests.builders import PASSWORD, make_action, make_partner, make_plan, make_update

pytestmark = pytest.mark.django_db


def html_lang(response) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert found
    return found.group(1)


def sign_in(client: Client, username: str, **headers: str) -> None:
    response = client.post(
        "/accounts/login/", {"username": username, "password": PASSWORD}, headers=headers
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("accept", "lang", "sign_in_words", "dashboard_words"),
    [
        ("es-DO,es;q=0.9", "es", "Iniciar sesión", "Panel regional"),
        ("fr-HT,fr;q=0.9,en;q=0.5", "fr", "Se connecter", "Tableau de bord régional"),
        ("nl-SR,nl;q=0.9", "nl", "Aanmelden", "Regionaal dashboard"),
        ("en-US,en;q=0.9", "en-gb", "Sign in", "Regional dashboard"),
    ],
)
def test_a_first_visit_is_in_the_browsers_language(
    client: Client, accept: str, lang: str, sign_in_words: str, dashboard_words: str
) -> None:
    make_partner()
    page = client.get("/accounts/login/", headers={"accept-language": accept})
    assert html_lang(page) == lang
    assert sign_in_words in page.content.decode()
    sign_in(client, "reader", **{"accept-language": accept})
    dashboard = client.get("/", headers={"accept-language": accept})
    assert html_lang(dashboard) == lang
    assert dashboard_words in dashboard.content.decode()


def test_the_menu_changes_the_language_and_it_is_remembered_at_the_next_sign_in(
    client: Client,
) -> None:
    user = make_partner()
    sign_in(client, "reader")
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/countries/"})
    assert response.status_code == 302 and response["Location"] == "/countries/"
    assert html_lang(client.get("/countries/")) == "fr"
    assert UserSettings.objects.get(user=user).language == "fr"

    # Another browser, which asks for English: the user's choice wins once signed in.
    other = Client()
    assert html_lang(other.get("/accounts/login/", headers={"accept-language": "en"})) == "en-gb"
    sign_in(other, "reader", **{"accept-language": "en"})
    assert html_lang(other.get("/", headers={"accept-language": "en"})) == "fr"


def test_the_addresses_are_the_same_in_every_language(partner_client: Client) -> None:
    for code, _name in settings.LANGUAGES:
        partner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
        response = partner_client.get("/countries/")
        assert response.status_code == 200
        assert html_lang(response) == code


def test_the_dashboard_is_cached_per_language(partner_client: Client) -> None:
    make_plan("JAM", stage="draft_completed")
    english = partner_client.get("/").content.decode()
    partner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    spanish = partner_client.get("/").content.decode()
    assert "Where the" in english and "Where the" not in spanish
    assert "Situación de los" in spanish


def test_dates_follow_the_readers_locale_and_english_stays_as_it_was(
    impacs_client: Client,
) -> None:
    plan = make_plan("JAM")
    action = make_action(plan, code="2.4", due_date=dt.date(2027, 4, 30))
    english = impacs_client.get(action.get_absolute_url()).content.decode()
    assert "30 Apr 2027" in english
    impacs_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    spanish = impacs_client.get(action.get_absolute_url()).content.decode()
    assert "30 abr 2027" in spanish and "30 Apr 2027" not in spanish
    impacs_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "30 avr. 2027" in impacs_client.get(action.get_absolute_url()).content.decode()
    # June and July: "juin" and "juil.", never the ambiguous three-letter "Jui" and "Jul".
    make_action(plan, code="2.5", due_date=dt.date(2027, 6, 9))
    make_action(plan, code="2.6", due_date=dt.date(2027, 7, 9))
    french = impacs_client.get("/actions/?country=JAM").content.decode()
    assert "9 juin 2027" in french and "9 juil. 2027" in french and "Jui " not in french
    impacs_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    assert "30 apr 2027" in impacs_client.get(action.get_absolute_url()).content.decode()


def test_a_chart_in_spanish_has_spanish_titles_axes_hover_text_and_table(
    partner_client: Client,
) -> None:
    plan = make_plan("JAM")
    action = make_action(plan, code="1.1", status=Status.LIMITED)
    make_update(action, Status.LIMITED, dt.date(2025, 5, 2))
    partner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = partner_client.get("/countries/jam/").content.decode()
    figure = json.loads(
        re.search(
            r'<script id="chart-goals-data" type="application/json">(.*?)</script>', page, re.S
        ).group(1)  # type: ignore[union-attr]
    )
    layout = figure["layout"]
    assert layout["yaxis"]["title"]["text"] == "Objetivo de la Hoja de Ruta"
    assert layout["xaxis"]["title"]["text"] == "Ejecución (%)"
    assert [trace["name"] for trace in figure["data"]] == ["En la línea de base", "Ahora"]
    assert "Ahora" in figure["data"][1]["hovertemplate"]
    assert layout["meta"]["locale"]["code"] == "es"
    assert layout["separators"][0] == ","  # decimal comma
    assert "Objetivo 1" in figure["data"][0]["y"]
    assert "Ejecución de cada objetivo, en la línea de base y ahora" in page  # the table's caption
    assert "Mostrar las cifras en una tabla" in page


def test_an_export_has_translated_headers_and_unchanged_data(partner_client: Client) -> None:
    plan = make_plan("JAM")
    make_action(plan, code="1.1", status=Status.COMPLETED)
    make_action(
        plan,
        code="1.2",
        status=Status.NOT_STARTED,
        start_date=dt.date(2019, 1, 1),
        due_date=dt.date(2020, 1, 1),
    )

    def export(language: str) -> list[list[str]]:
        partner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        body = partner_client.get("/actions/?export=csv").content.decode("utf-8-sig")
        return list(csv.reader(io.StringIO(body)))

    english, spanish = export("en-gb"), export("es")
    assert english[0][:3] == ["Country", "Code", "Title"]
    assert spanish[0][:3] == ["País", "Código", "Título"]
    assert spanish[1:] == english[1:]


def test_official_texts_show_as_on_file_and_english_is_marked(impacs_client: Client) -> None:
    goal = Goal.objects.get(number=1)
    goal.title_es = "Título oficial en español"
    goal.save()
    plan = make_plan("JAM")
    make_action(plan, code="1.1", goal=goal)
    make_action(plan, code="2.1", goal=Goal.objects.get(number=2))
    impacs_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = impacs_client.get("/countries/jam/").content.decode()
    assert "Título oficial en español" in page
    goal_2 = Goal.objects.get(number=2)
    assert f'<span lang="en">{goal_2.title}</span>' in page
    impacs_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = impacs_client.get("/countries/jam/").content.decode()
    assert f'<span lang="en">{goal.title}</span>' in french
    assert "Título oficial" not in french


def test_the_country_brief_prints_in_the_chosen_language(partner_client: Client) -> None:
    make_plan("JAM")
    partner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    page = partner_client.get("/countries/jam/").content.decode()
    assert 'media="print"' in page
    assert "Acties per doel" in page and "Actions by goal" not in page


def test_the_error_pages_speak_the_readers_language(partner_client: Client) -> None:
    partner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = partner_client.get("/countries/xyz/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()
    assert html_lang(response) == "fr"


def test_form_errors_are_announced_and_linked(impacs_client: Client) -> None:
    plan = make_plan("JAM")
    action = make_action(plan, code="1.1")
    page = impacs_client.post(
        f"/actions/{action.pk}/status/",
        {"status": Status.LIMITED, "reported_on": "", "note": "", "version": action.version},
    ).content.decode()
    assert 'role="alert"' in page
    assert '<a href="#id_status_note">' in page
    assert re.search(r'<textarea[^>]*aria-invalid="true"', page)
    assert re.search(
        r'<textarea[^>]*aria-describedby="id_status_note_help id_status_note_error1"', page
    )
