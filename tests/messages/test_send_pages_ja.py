"""The send pages in Japanese for a browser that asks for it: the sends list, the confirm page with its
plan, a send's page with its timeline, and the messages an action answers with. What is stored (a
timeline line, a pause reason) stays in the database as an English msgid and its values, and is put
together in the reader's language only where it is shown; the audit trail keeps it in English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from messages import lifecycle
from messages.engine import watch
from messages.engine.attempt import Result
from messages.models import Send, SendEvent
from messages.services import send_create
from messages.stored_words import english, iso, shown
from ott.client import Failed
from ottportal.models import AuditEntry, UserSettings
from tests.conftest import client_for
from tests.messages.conftest import api_for

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
    assert send.status == Send.Status.PAUSED and send.paused_reason == "Paused by %(user)s."
    assert send.paused_reason_args == {"user": "mark-marketer"}
    page = _page(client_for(marketer).get(reverse("messages:send-detail", args=[send.pk]), **JA))
    assert "<strong>mark-marketerが一時停止しました。</strong>" in page and "Paused by" not in page
    assert AuditEntry.objects.get(action="send.pause").detail == "Paused by mark-marketer."
    home = _page(client_for(marketer).get(reverse("home"), **JA))
    assert "mark-marketerが一時停止しました。" in home and "%(user)s" not in home
    english_home = _page(client_for(marketer).get(reverse("home")))
    assert "Paused by mark-marketer." in english_home
    lifecycle.cancel(send, marketer)
    refused = _page(client_for(marketer).post(reverse("messages:send-resume", args=[send.pk]), follow=True, **JA))
    assert "この配信は「キャンセル済み」のため、再開できません。" in refused


def _detail_cell(page: str, event: str) -> str:
    row = page.split(f"<td>{event}</td>", 1)[1]
    return row.split('<td class="wrap">', 1)[1].split("</td>", 1)[0]


def test_timeline_lines_with_numbers_are_stored_as_msgids_and_shown_in_japanese(marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U1", ""), ("U2", "")], user=marketer)
    created = send.timeline.get(event=SendEvent.Event.CREATED)
    assert (created.detail, created.detail_args) == ("%(count)s recipients", {"count": 2})
    assert AuditEntry.objects.get(action="send.create").detail == "2 recipients"  # the trail keeps English
    lifecycle.note(send.pk, SendEvent.Event.CANCELED, detail="%(count)s not sent", detail_args={"count": 1234})
    page = _page(client_for(marketer).get(reverse("messages:send-detail", args=[send.pk]), **JA))
    assert _detail_cell(page, "作成") == "配信先2件"
    assert _detail_cell(page, "キャンセル済み") == "1,234件は未送信"
    _absent(page, "2 recipients", "not sent")
    english = _page(client_for(marketer).get(reverse("messages:send-detail", args=[send.pk])))
    assert _detail_cell(english, "Created") == "2 recipients" and "1,234 not sent" in english


def test_a_start_time_is_shown_in_the_readers_zone(marketer, line_draft):
    send = send_create(draft=line_draft, recipients=[("U1", "")], user=marketer)
    at = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    lifecycle.note(send.pk, SendEvent.Event.RESCHEDULED, detail="To start at %(at)s", detail_args={"at": iso(at)})
    data = api_for(marketer).get(f"/api/v1/sends/{send.pk}/").json()
    assert data["timeline"][-1]["detail"] == "To start at 2030-01-02 03:04 UTC"  # the API: English by default
    UserSettings.objects.create(user=marketer, time_zone="Asia/Tokyo")
    page = _page(client_for(marketer).get(reverse("messages:send-detail", args=[send.pk]), **JA))
    assert "2030-01-02 12:04 JST に開始予定" in page


def test_an_error_spike_reason_is_shown_in_japanese_with_its_numbers(settings, marketer, line_draft):
    settings.OTT_AUTO_PAUSE_WINDOW = 1200
    settings.OTT_AUTO_PAUSE_ERROR_RATE = 0.5
    at = timezone.now() + timedelta(hours=3)
    send = send_create(draft=line_draft, recipients=[("U1", "")], user=marketer, scheduled_at=at)
    failed = Failed(reason="Server error (HTTP 500)", transient=True, http_status=500)
    try:
        assert watch.spike(send, [Result(None, failed, timezone.now()) for _ in range(1200)])
    finally:
        watch.forget()
    send.refresh_from_db()
    assert send.status == Send.Status.PAUSED and send.paused_reason.startswith("Paused by the portal: %(errors)s of")
    assert send.paused_reason_args == {
        "errors": 1200,
        "answers": 1200,
        "share": 100,
        "limit": 50,
        "common": "Server error (HTTP 500) (1,200)",
    }
    page = _page(client_for(marketer).get(reverse("messages:send-detail", args=[send.pk]), **JA))
    assert "ポータルが一時停止しました" in page and "直近1,200件の応答のうち1,200件がエラーで" in page
    assert "100%" in page and "許容される50%を超えました。" in page and "Server error (HTTP 500) (1,200)。" in page
    _absent(page, "Paused by the portal", "answers were errors")
    data = api_for(marketer).get(f"/api/v1/sends/{send.pk}/", HTTP_ACCEPT_LANGUAGE="ja").json()
    assert data["paused_reason"].startswith("ポータルが一時停止しました") and "直近1,200件" in data["paused_reason"]
    assert data["timeline"][-1]["detail"] == data["paused_reason"]
    english = api_for(marketer).get(f"/api/v1/sends/{send.pk}/").json()["paused_reason"]
    assert english.startswith("Paused by the portal: 1,200 of the last 1,200 answers were errors (100%), more than")


def test_an_old_row_of_finished_english_is_shown_as_it_was(marketer, line_draft):
    at = timezone.now() + timedelta(hours=3)
    send = send_create(draft=line_draft, recipients=[("U1", "")], user=marketer, scheduled_at=at)
    lifecycle.note(send.pk, SendEvent.Event.CANARY_PASSED, detail="3 of 10 failed (100% odd)")
    lifecycle.pause(send, reason="Paused by mark-marketer.")  # written before the values were kept apart
    page = _page(client_for(marketer).get(reverse("messages:send-detail", args=[send.pk]), **JA))
    assert _detail_cell(page, "先行送信に成功") == "3 of 10 failed (100% odd)"
    assert "<strong>Paused by mark-marketer.</strong>" in page
    data = api_for(marketer).get(f"/api/v1/sends/{send.pk}/", HTTP_ACCEPT_LANGUAGE="ja").json()
    assert data["paused_reason"] == "Paused by mark-marketer."


def test_odd_stored_words_are_shown_as_stored_rather_than_failing():
    assert shown("%(count)s not sent", {"other": 1}) == "%(count)s not sent"  # a value missing
    assert shown("%(count)s not sent", ["odd"]) == "%(count)s not sent"  # not a dict
    assert shown("100% sure", {"count": 1}) == "100% sure"  # finished text that has a % in it
    with translation.override("ja"):
        assert shown("%(count)s not sent", {"count": 1234}) == "1,234件は未送信"
        assert english("%(count)s not sent", {"count": 1234}) == "1,234 not sent"
    assert shown("To start at %(at)s", {"at": "2026-13-45T10:00"}) == "To start at 2026-13-45T10:00"
