from __future__ import annotations

import pytest
from django.test import Client

from plans import progress
from plans.models import ActionPlan

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_the_headline_computed_by_progress(impacs_client: Client, demo) -> None:
    expected = progress.headline(
        p.is_complete for p in ActionPlan.objects.drafted().with_progress()
    )
    response = impacs_client.get("/")
    assert response.status_code == 200
    assert response.context["headline"] == expected
    text = " ".join(response.content.decode().split())
    assert (
        f'{expected.complete}</span> of <span class="headline-n">12</span> drafted plans complete'
        in text
    )


def test_every_page_says_demonstration_data_while_it_is_loaded(
    partner_client: Client, demo
) -> None:
    assert "Demonstration data." in partner_client.get("/").content.decode()


def test_no_demonstration_banner_without_demo_data(partner_client: Client) -> None:
    assert "Demonstration data." not in partner_client.get("/").content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/")


def test_a_signed_in_user_in_no_group_is_refused(client: Client, django_user_model) -> None:
    django_user_model.objects.create_user("nobody", password="pw-123456789")
    client.force_login(django_user_model.objects.get(username="nobody"))
    assert client.get("/").status_code == 403
