"""The lockout page says how long to wait in words, not as an ISO 8601 duration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from ottportal.lockout import human_duration


@pytest.mark.django_db
def test_the_lockout_page_says_the_wait_in_minutes(marketer, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": marketer.username, "password": "wrong"})
    locked = client.post(reverse("login"), {"username": marketer.username, "password": "wrong"})
    page = locked.content.decode()
    assert locked.status_code == 429
    assert "Try again in 15 minutes, or ask an admin to unlock it." in page
    assert "after 5 failed attempts" in page
    assert "PT15M" not in page


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(minutes=15), "15 minutes"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(hours=1, minutes=30), "1 hour and 30 minutes"),
        (timedelta(days=2, hours=1, minutes=5), "2 days and 1 hour"),
        (timedelta(seconds=45), "45 seconds"),
        (None, "a few minutes"),
    ],
)
def test_human_duration(duration, text):
    assert human_duration(duration) == text
