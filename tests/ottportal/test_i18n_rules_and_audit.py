"""Japanese beyond the send pages: the audit page, the audience pages' errors, and the message rules the
composer shows (from `ott`, which knows nothing of Django: English unless the portal gives it Django's
translations), while what is stored (an audit entry's object name) stays in English."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from audiences.models import Suppression
from ott import rules
from ottportal import audit
from ottportal.models import AuditEntry
from tests.audiences.conftest import csv_file
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

JA = {"HTTP_ACCEPT_LANGUAGE": "ja,en-US;q=0.8"}
LONG_TEXT = "あ" * 5001  # LINE allows 5,000


def test_the_audit_page_in_japanese(auditor, marketer):
    audit.record("draft.create", user=marketer, detail="Spring sale")
    page = client_for(auditor).get(reverse("audit"), **JA).content.decode()
    for words in ("<h1>監査ログ</h1>", "CSVをエクスポート", "アクセス元", "下書き作成", "すべての操作", "この日以降"):
        assert words in page, words
    assert "Draft created" not in page and "Export CSV" not in page
    empty = client_for(auditor).get(reverse("audit"), {"q": "nothing-like-this"}, **JA).content.decode()
    assert "このフィルターに一致する記録はありません。" in empty


def test_an_audit_entry_stores_its_object_in_english_whatever_the_language(marketer, line_sender):
    entry = Suppression.objects.create(network="line", ott_id="U1", reason=Suppression.Reason.OPT_OUT)
    with translation.override("ja"):
        assert str(entry) == "U1 (オプトアウト)"  # the page shows the reason in Japanese
        audit.record("suppression.add", user=marketer, obj=entry)
    assert AuditEntry.objects.get(action="suppression.add").object_label == "U1 (Opted out)"


def test_an_audience_upload_is_refused_in_japanese(marketer):
    client = client_for(marketer)
    data = {"name": "Spring", "network": "line", "file": csv_file("email\nx@example.com\n")}
    page = client.post(reverse("audiences:new"), data, **JA).content.decode()
    assert "1行目はヘッダー ott_id,user_reference とし、その後に独自の列を続けてください" in page
    header_only = {**data, "file": csv_file("ott_id,user_reference\n")}
    empty = client.post(reverse("audiences:new"), header_only, **JA).content.decode()
    assert "このファイルに有効な配信先がありません" in empty


def _text_draft(sender, text: str) -> dict:
    return {
        "name": "Spring sale",
        "sender": sender.pk,
        "blocks-TOTAL_FORMS": 1,
        "blocks-INITIAL_FORMS": 0,
        "blocks-MIN_NUM_FORMS": 0,
        "blocks-MAX_NUM_FORMS": 5,
        "blocks-0-ORDER": 1,
        "blocks-0-type": "text",
        "blocks-0-text": text,
    }


def test_the_composer_says_a_rules_advice_in_japanese(marketer, line_sender):
    client = client_for(marketer)
    url = reverse("messages:draft-validate")
    page = client.post(url, _text_draft(line_sender, LONG_TEXT), HTTP_HX_REQUEST="true", **JA).content.decode()
    assert "テキストを5,000文字以内に短くしてください。現在5,001文字です" in page
    assert "LINEでは絵文字を2文字と数えます" in page
    english = client.post(url, _text_draft(line_sender, LONG_TEXT), HTTP_HX_REQUEST="true").content.decode()
    assert "Shorten the text to 5,000 characters: it has 5,001 (LINE counts an emoji as 2)." in english


def test_a_native_payloads_problem_in_japanese():
    body = {
        "messageKey": "k",
        "from": {"senderType": "line", "senderId": "1"},
        "to": {"ottId": "U1"},
        "validityPeriod": 60,
        "message": {"contents": [{"type": "native", "nativePayload": {"type": "text"}}]},
    }
    with translation.override("ja"):
        said = [problem.message for problem in rules.check(body)]
    assert any(m.startswith("ブロック 1") and m.endswith("ありません。LINEでは必須です。") for m in said), said
    with translation.override("en"):
        said = [problem.message for problem in rules.check(body)]
    assert any("Block 1 (native): text: missing; LINE requires it." in message for message in said), said


def test_the_documented_marketing_cloud_messages_stay_as_documented():
    with translation.override("ja"):
        problems = rules.check({"from": {"senderType": "line", "senderId": "1"}})
    assert "Message Key must be provided" in [problem.message for problem in problems]


def test_ott_speaks_english_without_django():
    """`ott` imports no Django; without the portal's translator its words are the English ones."""
    script = (
        "import sys\n"
        "from ott import rules\n"
        "body = {'messageKey': 'k', 'from': {'senderType': 'line', 'senderId': '1'}, 'to': {'ottId': 'U1'},\n"
        "        'validityPeriod': 60, 'message': {'contents': [{'type': 'text', 'text': 'あ' * 5001}]}}\n"
        "assert not [name for name in sys.modules if name.split('.')[0] == 'django'], 'ott imported Django'\n"
        "print(rules.check(body)[0].advice)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "Shorten the text to 5,000 characters: it has 5,001 (LINE counts an emoji as 2)."
