"""Your settings: a time zone every page's times follow, saved test recipients, and a friendly page
for an address opened with the wrong method."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from messages.charts import deliveries_per_day_svg
from ottportal.models import UserSettings
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_user_picks_a_time_zone_and_test_recipients(marketer):
    client = client_for(marketer)
    response = client.post(
        reverse("account"),
        {"time_zone": "Asia/Tokyo", "test_line": "U-me\nU-boss,ref-1", "test_messenger": ",ref-only"},
    )
    assert response.status_code == 302
    saved = UserSettings.objects.get(user=marketer)
    assert saved.time_zone == "Asia/Tokyo"
    assert saved.test_recipients == {"line": [["U-me", ""], ["U-boss", "ref-1"]], "messenger": [["", "ref-only"]]}
    page = client.get(reverse("account")).content.decode()
    assert " JST" in page and "U-boss,ref-1" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice"),
        ({"test_line": ",ref-only"}, "test_line", "LINE needs an ottId"),
        ({"test_line": "\n".join(f"U{n}" for n in range(11))}, "test_line", "At most 10 test recipients"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(marketer, data, field, message):
    response = client_for(marketer).post(reverse("account"), data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not UserSettings.objects.filter(user=marketer).exclude(time_zone="").exists()


def test_times_are_shown_in_the_users_zone_with_its_name(marketer):
    UserSettings.objects.create(user=marketer, time_zone="America/New_York")
    response = client_for(marketer).get(reverse("account"))
    moment = response.context["now_at"]
    page = response.content.decode()
    assert (" EST" in page) or (" EDT" in page)
    assert f'datetime="{moment.isoformat()}"' in page and " UTC" in page  # the instant, and UTC on hover


def test_the_when_filter_formats_in_the_active_zone():
    instant = timezone.make_aware(datetime(2026, 7, 1, 12, 0), timezone.get_fixed_timezone(0))
    template = Template("{% load portal %}{{ at|when }}")
    with timezone.override("Asia/Tokyo"):
        assert "2026-07-01 21:00:00 JST" in template.render(Context({"at": instant}))
    assert template.render(Context({"at": None})) == ""


def test_a_post_only_address_opened_as_a_link_gets_a_page(marketer, line_draft):
    response = client_for(marketer).get(reverse("messages:draft-delete", args=[line_draft.pk]))
    assert response.status_code == 405 and "Use the button on the page" in response.content.decode()
    assert response["Allow"] == "POST"


def test_an_empty_chart_has_no_stray_axis_number():
    day = datetime(2026, 11, 1).date()
    svg = deliveries_per_day_svg([(day, {})])
    assert "No deliveries in these 14 days" in svg and ">1<" not in svg


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2026-07-01T12:00:00Z", "2026-07-01 21:00:00 JST"),
        ("2026-07-01T12:00:00", "2026-07-01 21:00:00 JST"),
        ("soon", "soon"),
    ],
)
def test_event_times_from_marketing_cloud_are_shown_like_the_rest(text, shown):
    with timezone.override("Asia/Tokyo"):
        assert shown in Template("{% load portal %}{{ at|when_text }}").render(Context({"at": text}))


def test_every_list_shows_times_in_the_users_zone(marketer, line_draft):
    from messages.services import send_create, send_test

    UserSettings.objects.update_or_create(
        user=marketer, defaults={"time_zone": "Asia/Tokyo", "test_recipients": {"line": [["U-me", ""]]}}
    )
    send_create(draft=line_draft, recipients=[("U-1", "")], user=marketer)
    send_test(line_draft, marketer)
    client = client_for(marketer)
    for name in ("home", "messages:draft-list", "messages:send-list", "messages:delivery-list"):
        page = client.get(reverse(name)).content.decode()
        assert " JST</time>" in page, name
    assert '<span class="badge">Test</span>' in client.get(reverse("messages:send-list")).content.decode()
