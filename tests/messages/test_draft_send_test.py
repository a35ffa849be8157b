"""The "Send a test" button on the draft page: beside "Send…", for those who may send, saying where
the test goes (your saved test recipients on the draft's network) or where to add them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from messages.models import Send
from ottportal.models import UserSettings
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def actions(user, draft) -> str:
    """The draft page's buttons (the page head)."""
    page = client_for(user).get(reverse("messages:draft-edit", args=[draft.pk])).content.decode()
    head = re.search(r'<div class="page-head">(.*?)\n</div>', page, re.S)
    return head.group(1) if head else ""


def test_the_button_posts_to_send_test_and_says_where_it_goes(marketer, line_draft):
    UserSettings.objects.create(user=marketer, test_recipients={"line": [["U-me", ""], ["U-boss", "ref-1"]]})
    head = actions(marketer, line_draft)
    form = re.search(r'<form method="post" action="([^"]+)" class="send-test">(.*?)</form>', head, re.S)
    assert form and form.group(1) == reverse("messages:send-test", args=[line_draft.pk])
    assert "csrfmiddlewaretoken" in form.group(2) and ">Send a test</button>" in form.group(2)
    assert "Goes at once to your 2 test recipients on LINE" in form.group(2)
    assert head.index("Send…") < head.index("Send a test")  # next to "Send…"


def test_one_test_recipient_reads_in_the_singular(admin, messenger_draft):
    UserSettings.objects.create(user=admin, test_recipients={"messenger": [["", "ref-only"]], "line": [["U1", ""]]})
    assert "Goes at once to your test recipient on Messenger" in actions(admin, messenger_draft)


def test_without_test_recipients_the_hint_links_to_your_settings(marketer, line_draft):
    UserSettings.objects.create(user=marketer, test_recipients={"messenger": [["M1", ""]]})  # none on LINE
    head = actions(marketer, line_draft)
    assert "No test recipients on LINE yet" in head
    assert f'<a href="{reverse("account")}">add them in Your settings</a>' in head


def test_auditors_get_no_test_button(auditor, line_draft):
    UserSettings.objects.create(user=auditor, test_recipients={"line": [["U-me", ""]]})
    page = client_for(auditor).get(reverse("messages:draft-edit", args=[line_draft.pk])).content.decode()
    assert "Send a test" not in page and reverse("messages:send-test", args=[line_draft.pk]) not in page
    assert client_for(auditor).post(reverse("messages:send-test", args=[line_draft.pk])).status_code == 403
    assert not Send.objects.exists()


def test_a_new_draft_has_no_test_button_until_it_is_saved(marketer, line_sender):
    page = client_for(marketer).get(reverse("messages:draft-new")).content.decode()
    assert "Send a test" not in page


def test_clicking_it_queues_a_test_send_to_those_recipients(marketer, line_draft):
    UserSettings.objects.create(user=marketer, test_recipients={"line": [["U-me", ""], ["U-boss", "ref-1"]]})
    response = client_for(marketer).post(reverse("messages:send-test", args=[line_draft.pk]))
    send = Send.objects.get()
    assert response["Location"] == reverse("messages:send-detail", args=[send.pk])
    assert send.is_test and sorted(send.deliveries.values_list("ott_id", "user_reference")) == [
        ("U-boss", "ref-1"),
        ("U-me", ""),
    ]
