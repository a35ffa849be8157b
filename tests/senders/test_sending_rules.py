"""A sender's sending rules: the admin page and its form, the API (read by all, changed by admins, the
same messages as the page), the change log, and the rules in words on the sender's page."""

from __future__ import annotations

from datetime import time

import pytest
from rest_framework.test import APIClient

from senders.forms import SendingRulesForm
from senders.models import Sender, SenderChange
from tests.conftest import client_for

RULES = "/senders/{}/rules/"
EMPTY = dict.fromkeys(
    [
        "quiet_hours_start",
        "quiet_hours_end",
        "time_zone",
        "rate_limit",
        "frequency_cap_24h",
        "frequency_cap_7d",
        "daily_allowance",
        "monthly_allowance",
    ],
    "",
)


@pytest.fixture
def sender(db) -> Sender:
    return Sender.objects.create(network="line", sender_id="1657000001", name="Tokyo store")


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({}, None, None),
        ({"quiet_hours_start": "21:00", "quiet_hours_end": "08:00", "time_zone": "Asia/Tokyo"}, None, None),
        ({"quiet_hours_start": "00:00", "quiet_hours_end": "06:30"}, None, None),
        (
            {"quiet_hours_start": "21:00"},
            "quiet_hours_end",
            "Quiet hours: give both the start and the end, or neither (no quiet hours).",
        ),
        (
            {"quiet_hours_end": "08:00"},
            "quiet_hours_start",
            "Quiet hours: give both the start and the end, or neither (no quiet hours).",
        ),
        (
            {"quiet_hours_start": "21:00", "quiet_hours_end": "21:00"},
            "quiet_hours_end",
            "Quiet hours: the end must differ from the start (a window may cross midnight).",
        ),
        (
            {"quiet_hours_start": "9pm", "quiet_hours_end": "08:00"},
            "quiet_hours_start",
            "Quiet hours start: give a time of day as HH:MM, 24-hour (e.g. 21:00).",
        ),
        (
            {"time_zone": "Tokyo"},
            "time_zone",
            "Time zone: “Tokyo” is not an IANA zone name; use one such as Asia/Tokyo or Europe/Berlin.",
        ),
        (
            {"time_zone": "localtime"},
            "time_zone",
            "Time zone: “localtime” is not an IANA zone name; use one such as Asia/Tokyo or Europe/Berlin.",
        ),
        ({"time_zone": "America/Argentina/Buenos_Aires"}, None, None),
        (
            {"rate_limit": "0"},
            "rate_limit",
            "Rate limit: use a whole number from 1 to 1,000,000,000, or leave it empty for no limit.",
        ),
        (
            {"frequency_cap_24h": "-1"},
            "frequency_cap_24h",
            "Frequency cap per 24 hours: use a whole number from 1 to 1,000,000,000, or leave it empty for no limit.",
        ),
        (
            {"daily_allowance": "1.5"},
            "daily_allowance",
            "Daily allowance: use a whole number from 1 to 1,000,000,000, or leave it empty for no limit.",
        ),
        (
            {"monthly_allowance": "1000000001"},
            "monthly_allowance",
            "Monthly allowance: use a whole number from 1 to 1,000,000,000, or leave it empty for no limit.",
        ),
        ({"frequency_cap_24h": "2", "frequency_cap_7d": "2"}, None, None),
        (
            {"frequency_cap_24h": "5", "frequency_cap_7d": "3"},
            "frequency_cap_7d",
            "The 7-day cap (3) cannot be below the 24-hour cap (5).",
        ),
        (
            {"daily_allowance": "2000", "monthly_allowance": "1000"},
            "monthly_allowance",
            "The monthly allowance (1,000) cannot be below the daily allowance (2,000).",
        ),
    ],
)
def test_each_rule_is_checked_with_a_message_naming_field_and_rule(change, field, message):
    form = SendingRulesForm(data={**EMPTY, **change})
    if field is None:
        assert form.is_valid(), form.errors
    else:
        assert not form.is_valid()
        assert form.errors[field] == [message]


def test_admin_sets_the_rules_and_the_change_is_logged(admin, sender):
    client = client_for(admin)
    detail = client.get(f"/senders/{sender.pk}/").content.decode()
    assert f'href="{RULES.format(sender.pk)}"' in detail and "Change sending rules" in detail
    page = client.get(RULES.format(sender.pk)).content.decode()
    assert '<option value="Asia/Tokyo">' in page  # the zone names to choose from
    rules = {
        **EMPTY,
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:00",
        "time_zone": "Asia/Tokyo",
        "frequency_cap_24h": "2",
        "daily_allowance": "1000",
    }
    response = client.post(RULES.format(sender.pk), rules)
    assert response.status_code == 302
    sender.refresh_from_db()
    assert (sender.quiet_hours_start, sender.quiet_hours_end, sender.time_zone) == (time(21), time(8), "Asia/Tokyo")
    assert (sender.frequency_cap_24h, sender.daily_allowance, sender.rate_limit) == (2, 1000, None)
    change = SenderChange.objects.get()
    assert (change.action, change.user) == ("updated", admin)
    assert change.changes == {
        "daily_allowance": [None, 1000],
        "frequency_cap_24h": [None, 2],
        "quiet_hours_end": [None, "08:00"],
        "quiet_hours_start": [None, "21:00"],
        "time_zone": [None, "Asia/Tokyo"],
    }
    page = client.get(f"/senders/{sender.pk}/").content.decode()
    assert "Quiet hours start: Off → 21:00" in page
    assert "Daily allowance: Off → 1,000" in page
    # The form shows what is stored; saving it unchanged logs nothing.
    form_page = client.get(RULES.format(sender.pk)).content.decode()
    assert 'value="21:00"' in form_page and 'value="Asia/Tokyo"' in form_page
    client.post(RULES.format(sender.pk), rules)
    assert SenderChange.objects.count() == 1
    # Emptying a field turns the rule off.
    client.post(RULES.format(sender.pk), {**rules, "frequency_cap_24h": ""})
    sender.refresh_from_db()
    assert sender.frequency_cap_24h is None


def test_a_refused_form_saves_nothing_and_says_why(admin, sender):
    response = client_for(admin).post(
        RULES.format(sender.pk), {**EMPTY, "quiet_hours_start": "21:00", "rate_limit": "0"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved." in page
    assert "Quiet hours: give both the start and the end, or neither (no quiet hours)." in page
    assert "Rate limit: use a whole number from 1" in page
    sender.refresh_from_db()
    assert sender.quiet_hours_start is None and not SenderChange.objects.exists()


@pytest.mark.parametrize("persona", ["marketer", "approver", "auditor"])
def test_only_admins_open_the_rules_page(personas, sender, persona):
    client = client_for(personas[persona])
    assert client.get(RULES.format(sender.pk)).status_code == 403
    assert client.post(RULES.format(sender.pk), {**EMPTY, "rate_limit": "5"}).status_code == 403
    sender.refresh_from_db()
    assert sender.rate_limit is None
    assert "Change sending rules" not in client.get(f"/senders/{sender.pk}/").content.decode()


def test_the_sender_page_says_the_rules_in_words(marketer, sender, settings):
    settings.OTT_SENDER_RATE_LIMIT = 1000.0
    page = client_for(marketer).get(f"/senders/{sender.pk}/").content.decode()
    assert '<dd data-rule="quiet_hours">Off</dd>' in page
    assert '<dd data-rule="frequency_cap_24h">Off</dd>' in page
    assert "Off: the portal&#x27;s default, at most 1,000 posts a second per worker" in page
    Sender.objects.filter(pk=sender.pk).update(
        quiet_hours_start=time(21),
        quiet_hours_end=time(8),
        time_zone="Asia/Tokyo",
        frequency_cap_24h=2,
        frequency_cap_7d=1,
        daily_allowance=1000,
        monthly_allowance=30000,
        rate_limit=1,
    )
    page = client_for(marketer).get(f"/senders/{sender.pk}/").content.decode()
    assert "Quiet hours 21:00\N{EN DASH}08:00 Asia/Tokyo: nothing is posted then" in _text(page)
    assert "At most 2 messages per person in 24 hours" in page
    assert "At most 1 message per person in 7 days" in page
    assert "Up to 1,000 messages a day (Asia/Tokyo)" in page
    assert "Up to 30,000 messages a calendar month (Asia/Tokyo)" in page
    assert "At most 1 post a second per worker" in page


def _text(html: str) -> str:
    """The page's words without tags (a label and its value read as one line)."""
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- API ---------------------------------------------------------------------------------------------
def test_every_role_reads_the_rules(personas, sender):
    Sender.objects.filter(pk=sender.pk).update(
        quiet_hours_start=time(21), quiet_hours_end=time(8), time_zone="Asia/Tokyo", daily_allowance=1000
    )
    for persona in ("admin", "marketer", "approver", "auditor"):
        data = api_for(personas[persona]).get(f"/api/v1/senders/{sender.pk}/").json()
        assert data["quiet_hours_start"] == "21:00" and data["quiet_hours_end"] == "08:00"
        assert data["time_zone"] == "Asia/Tokyo" and data["daily_allowance"] == 1000
        assert data["frequency_cap_24h"] is None


def test_admins_patch_the_rules_and_the_change_is_logged(admin, sender):
    url = f"/api/v1/senders/{sender.pk}/"
    payload = {"quiet_hours_start": "21:00", "quiet_hours_end": "08:00", "time_zone": "Asia/Tokyo", "rate_limit": 20}
    response = api_for(admin).patch(url, payload, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["quiet_hours_end"] == "08:00" and response.json()["rate_limit"] == 20
    sender.refresh_from_db()
    assert (sender.quiet_hours_start, sender.rate_limit, sender.name) == (time(21), 20, "Tokyo store")
    assert SenderChange.objects.get().changes["rate_limit"] == [None, 20]
    # One rule at a time, checked against the others as stored; null turns one off.
    assert api_for(admin).patch(url, {"quiet_hours_end": None}, format="json").json() == {
        "quiet_hours_end": ["Quiet hours: give both the start and the end, or neither (no quiet hours)."]
    }
    both = api_for(admin).patch(url, {"quiet_hours_start": None, "quiet_hours_end": None}, format="json")
    assert both.status_code == 200 and both.json()["quiet_hours_start"] is None


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone", "is not an IANA zone name"),
        ({"time_zone": ["Asia/Tokyo"]}, "time_zone", "is not an IANA zone name"),
        ({"rate_limit": 0}, "rate_limit", "Rate limit: use a whole number from 1"),
        ({"rate_limit": "many"}, "rate_limit", "Rate limit: use a whole number from 1"),
        ({"rate_limit": True}, "rate_limit", "Rate limit: use a whole number from 1"),
        ({"daily_allowance": 2**40}, "daily_allowance", "Daily allowance: use a whole number from 1"),
        ({"quiet_hours_start": "25:00", "quiet_hours_end": "08:00"}, "quiet_hours_start", "give a time of day"),
        ({"quiet_hours_start": 2100, "quiet_hours_end": "08:00"}, "quiet_hours_start", "give a time of day"),
        ({"frequency_cap_24h": 5, "frequency_cap_7d": 3}, "frequency_cap_7d", "cannot be below the 24-hour cap"),
        ({"monthly_allowance": 10, "daily_allowance": 11}, "monthly_allowance", "below the daily allowance (11)"),
    ],
)
def test_api_refuses_a_bad_rule_naming_the_field(admin, sender, payload, field, message):
    response = api_for(admin).patch(f"/api/v1/senders/{sender.pk}/", payload, format="json")
    assert response.status_code == 400
    assert message in response.json()[field][0]
    assert not SenderChange.objects.exists()


def test_a_cap_is_checked_against_the_stored_one(admin, sender):
    Sender.objects.filter(pk=sender.pk).update(frequency_cap_24h=5)
    response = api_for(admin).patch(f"/api/v1/senders/{sender.pk}/", {"frequency_cap_7d": 4}, format="json")
    assert response.json() == {"frequency_cap_7d": ["The 7-day cap (4) cannot be below the 24-hour cap (5)."]}


def test_a_bad_rule_and_a_bad_name_are_reported_together(admin, sender):
    payload = {"name": "", "rate_limit": 0}
    errors = api_for(admin).patch(f"/api/v1/senders/{sender.pk}/", payload, format="json").json()
    assert set(errors) == {"name", "rate_limit"}


def test_a_body_that_is_not_an_object_is_refused(admin, sender):
    response = api_for(admin).patch(f"/api/v1/senders/{sender.pk}/", [{"rate_limit": 5}], format="json")
    assert response.status_code == 400 and "non_field_errors" in response.json()


def test_marketers_cannot_patch_the_rules(marketer, sender):
    response = api_for(marketer).patch(f"/api/v1/senders/{sender.pk}/", {"rate_limit": 5}, format="json")
    assert response.status_code == 403


def test_the_schema_documents_the_rules(admin):
    schema = api_for(admin).get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    sender = components["Sender"]["properties"]
    assert sender["quiet_hours_start"]["readOnly"] and sender["quiet_hours_start"]["format"] == "time"
    assert sender["frequency_cap_7d"]["type"] == "integer" and sender["frequency_cap_7d"]["nullable"]
    patch = components["PatchedSenderUpdate"]["properties"]
    assert patch["time_zone"]["type"] == "string" and patch["rate_limit"]["minimum"] == 1
    assert patch["daily_allowance"]["nullable"] and "IANA" in patch["time_zone"]["description"]
