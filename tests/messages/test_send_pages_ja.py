"""The send pages in Japanese for a browser that asks for it: the sends list, the confirm page with its
plan, a send's page with its timeline, and the messages an action answers with. What is stored (a
timeline line, a pause reason) stays in English in the database and is translated, when it can be,
only where it is shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messages import lifecycle
from messages.models import Send, SendEvent
from messages.services import send_create
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
JA = {"HTTP_ACCEPT_LANGUAGE": "ja,en-US;q=0.8"}


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _absent(page: str, *english: str) -> None:
    for words in english:
        assert words not in page, words


def test_the_sends_list_in_japanese(marketer, line_draft):
    send_create(draft=line_draft, recipients=[("U1", ""), ("U2", "")], user=marketer)
    page = _page(client_for(marketer).get(reverse("messages:send-list"), **JA))
    assert "<h1>配信</h1>" in page and "1件の配信" in page and "今後7日間" in page
    assert '<th scope="col">失敗・拒否</th>' in page and '<th scope="col">合計</th>' in page
    _absent(page, "Failed or rejected", "Scheduled: the next 7 days", "1 send")
    empty = _page(client_for(marketer).get(reverse("messages:send-list"), {"status": "canceled"}, **JA))
    assert "この条件に該当する配信はありません。" in empty and "絞り込みを解除" in empty
    _absent(empty, "No sends match", "Clear the filters")


def test_the_confirm_page_and_its_plan_in_japanese(marketer, line_draft):
    client = client_for(marketer)
    started = client.post(reverse("messages:send-start", args=[line_draft.pk]), {"pasted": "U1\nU2\nU1\n,ref\n"}, **JA)
    assert started.status_code == 302
    page = _page(client.get(started["Location"], **JA))
    for words in (
        "<h1>配信の確認</h1>",
        "配信計画",
        "重複した配信先1件を1件にまとめました",
        "最初の配信先へのリクエスト本文",
    ):
        assert words in page, words
    assert "2件の配信先に送信" in page and "承認は不要です" in page and "日時を指定" in page
    _absent(page, "Confirm the send", "The plan", "Will be messaged", "No approval needed", "At a date and time")


def test_a_sends_page_and_its_timeline_in_japanese(marketer, line_draft):
    at = timezone.now() + timedelta(hours=3)
    send = send_create(draft=line_draft, recipients=[("U1", "")], user=marketer, scheduled_at=at, time_zone="UTC")
    page = _page(client_for(marketer).get(reverse("messages:send-detail", args=[send.pk]), **JA))
    assert f"配信 #{send.pk}" in page and "タイムライン" in page and "できる操作" in page
    assert ">一時停止</button>" in page and "開始日時を変更" in page and "に開始します。" in page
    _absent(page, "Timeline", "What you can do", ">Pause</button>", "Change the start time", "Deliveries of this send")


def test_a_stored_timeline_line_stays_english_and_is_shown_in_japanese(marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U1", "")], user=marketer)
    lifecycle.note(send.pk, SendEvent.Event.RESCHEDULED, user=marketer, detail="To start now")
    page = _page(client_for(marketer).get(reverse("messages:send-detail", args=[send.pk]), **JA))
    assert "すぐに開始" in page and "To start now" not in page
    assert send.timeline.filter(detail="To start now").exists()  # stored as it was written


def test_an_action_answers_in_japanese_and_stores_its_reason_in_english(marketer, line_draft):
    at = timezone.now() + timedelta(hours=3)
    send = send_create(draft=line_draft, recipients=[("U1", "")], user=marketer, scheduled_at=at)
    said = _page(client_for(marketer).post(reverse("messages:send-pause", args=[send.pk]), follow=True, **JA))
    assert "一時停止しました" in said and "再開されるまで新たな送信は行われません" in said and ">再開</button>" in said
    send.refresh_from_db()
    assert send.status == Send.Status.PAUSED and send.paused_reason == "Paused by mark-marketer."
    lifecycle.cancel(send, marketer)
    refused = _page(client_for(marketer).post(reverse("messages:send-resume", args=[send.pk]), follow=True, **JA))
    assert "この配信は「キャンセル済み」のため、再開できません。" in refused
