"""Japanese: pages follow the browser's language unless the user picked one (the header's picker or their
settings), English by default; the JavaScript has its catalogue; and the `ja` catalogue is complete for
every string `makemessages` finds, with compiled .mo files that match it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from ottportal.models import UserSettings
from tests.conftest import client_for

BASE = Path(settings.BASE_DIR)
CATALOGUES = BASE / "locale" / "ja" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")
JA = {"HTTP_ACCEPT_LANGUAGE": "ja,en-US;q=0.8"}


def _page(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
def test_english_by_default():
    page = _page(client_for(None).get(reverse("login")))
    assert '<html lang="en">' in page and "<h1>Log in</h1>" in page


@pytest.mark.django_db
def test_a_browser_that_asks_for_japanese_gets_japanese(marketer):
    page = _page(client_for(None).get(reverse("login"), **JA))
    assert '<html lang="ja">' in page and "<h1>ログイン</h1>" in page
    home = _page(client_for(marketer).get(reverse("home"), **JA))
    for words in ("ホーム", "下書き", "配信停止リスト", "ログアウト", "マーケター", "過去7日間"):
        assert words in home, words
    assert "Log out" not in home


@pytest.mark.django_db
def test_a_browser_that_asks_for_neither_gets_english(marketer):
    page = _page(client_for(marketer).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="th,fr;q=0.8"))
    assert '<html lang="en">' in page and "Log out" in page


@pytest.mark.django_db
def test_form_labels_and_errors_in_japanese(marketer):
    response = client_for(marketer).post(
        reverse("account"),
        {"time_zone": "Mars/Olympus", "test_line": "\n".join(f"U{n}" for n in range(11))},
        **JA,
    )
    assert response.status_code == 400
    page = _page(response)
    assert "タイムゾーン" in page and "LINEのテスト送信先" in page
    assert "テスト送信先は最大10件までです" in page and "11件入力されています" in page  # the portal's own error
    assert "正しく選択してください。" in page  # Django's, from Django's own catalogue


@pytest.mark.django_db
def test_times_keep_their_zone_in_japanese(marketer):
    UserSettings.objects.create(user=marketer, time_zone="Asia/Tokyo")
    page = _page(client_for(marketer).get(reverse("account"), **JA))
    now = re.search(r'data-testid="now"><time [^>]*>([^<]+)</time>', page).group(1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST", now), now


@pytest.mark.django_db
def test_the_picker_switches_the_language_for_a_visitor():
    client = client_for(None)
    response = client.post(reverse("set-language"), {"language": "ja", "next": reverse("login")})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"
    assert "<h1>ログイン</h1>" in _page(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en"))
    client.post(reverse("set-language"), {"language": "en", "next": reverse("login")})
    assert "<h1>Log in</h1>" in _page(client.get(reverse("login"), **JA))


@pytest.mark.django_db
def test_the_picker_remembers_a_users_language_in_every_browser(marketer):
    client_for(marketer).post(reverse("set-language"), {"language": "ja", "next": "/"})
    assert UserSettings.objects.get(user=marketer).language == "ja"
    other_browser = client_for(marketer)  # no language cookie, a browser that asks for English
    assert "ログアウト" in _page(other_browser.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en"))


@pytest.mark.django_db
def test_the_picker_refuses_a_language_the_portal_has_not(marketer):
    client = client_for(marketer)
    client.post(reverse("set-language"), {"language": "xx", "next": "/"})
    assert not UserSettings.objects.filter(user=marketer).exclude(language="").exists()
    assert "Log out" in _page(client.get(reverse("home")))


@pytest.mark.django_db
def test_the_account_page_sets_and_clears_the_language(marketer):
    client = client_for(marketer)
    response = client.post(reverse("account"), {"language": "ja", "time_zone": ""})
    assert response.status_code == 302 and client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"
    page = _page(client.get(reverse("account")))
    assert "設定を保存しました。" in page and '<option value="ja" lang="ja" selected>日本語</option>' in page
    client.post(reverse("account"), {"language": "", "time_zone": ""})
    assert UserSettings.objects.get(user=marketer).language == ""
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # deleted
    assert "Log out" in _page(client.get(reverse("home")))


@pytest.mark.django_db
def test_the_javascript_catalogue_is_served_per_language():
    working = json.dumps("処理中…")[1:-1]  # the catalogue is JSON, non-ASCII escaped
    ja = client_for(None).get(reverse("javascript-catalog"), **JA)
    assert ja.status_code == 200 and ja["Content-Type"].startswith("text/javascript")
    script = ja.content.decode()
    assert working in script and "django.gettext = function" in script
    assert "Choose a Date" not in script  # the portal's strings only, not the admin site's
    assert working not in client_for(None).get(reverse("javascript-catalog")).content.decode()


def _gettext_tools() -> None:
    missing = [tool for tool in ("xgettext", "msgmerge", "msguniq") if shutil.which(tool) is None]
    if missing:
        message = f"GNU gettext is not installed ({', '.join(missing)}): apt-get install gettext"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


NOT_SOURCE = shutil.ignore_patterns(
    ".*", "var", "staticfiles", "tests", "bench", "docs", "__pycache__", "*.pyc", "*.sqlite3"
)


def test_the_catalogue_is_complete_for_every_string_in_the_code(tmp_path):
    """`makemessages` over a copy of the code, merged into the committed catalogues: nothing new
    (untranslated), nothing fuzzy, nothing left over (obsolete)."""
    _gettext_tools()
    copy = tmp_path / "portal"
    shutil.copytree(BASE, copy, ignore=NOT_SOURCE)
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "DATABASE_URL")}
    env["DEBUG"] = "true"
    for domain in DOMAINS:
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "--locale", "ja", "--domain", domain],
            cwd=copy,
            env=env,
            check=True,
            capture_output=True,
        )
        catalogue = polib.pofile(str(copy / "locale" / "ja" / "LC_MESSAGES" / f"{domain}.po"))
        assert [e.msgid for e in catalogue.untranslated_entries()] == [], f"{domain}: untranslated"
        assert [e.msgid for e in catalogue.fuzzy_entries()] == [], f"{domain}: fuzzy"
        assert [e.msgid for e in catalogue.obsolete_entries()] == [], f"{domain}: no longer in the code"


def _translations(entries) -> dict:
    return {
        (entry.msgctxt, entry.msgid): dict(entry.msgstr_plural) if entry.msgid_plural else entry.msgstr
        for entry in entries
        if entry.msgid
    }


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalogue_matches_the_po_file(domain):
    po = polib.pofile(str(CATALOGUES / f"{domain}.po"))
    mo = polib.mofile(str(CATALOGUES / f"{domain}.mo"))
    expected = _translations(entry for entry in po.translated_entries() if not entry.obsolete)
    assert _translations(mo) == expected, "run `make translations` to compile the .mo files"


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|<[^>]+>")


@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_placeholders_and_markup(domain):
    """A translation that drops `%(name)s` or a tag would break the page or lose a value."""
    for entry in polib.pofile(str(CATALOGUES / f"{domain}.po")).translated_entries():
        source = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
            assert sorted(PLACEHOLDER.findall(text)) == source, entry.msgid


@pytest.mark.django_db
def test_the_senders_pages_in_japanese(admin, line_sender):
    client = client_for(admin)
    listing = _page(client.get(reverse("senders:list"), **JA))
    assert "LINEチャネルを登録" in listing and "Messengerページを登録" in listing and "有効" in listing
    detail = _page(client.get(reverse("senders:detail", args=[line_sender.pk]), **JA))
    assert "チャネルID" in detail and "配信停止時間帯" in detail and "変更履歴" in detail
    response = client.post(
        reverse("senders:rules", args=[line_sender.pk]), {"quiet_hours_start": "21:00", "time_zone": "Mars/Base"}, **JA
    )
    page = _page(response)
    assert response.status_code == 400 and "何も保存されていません。" in page
    assert "開始と終了の両方を入力するか" in page and "「Mars/Base」はIANAタイムゾーン名ではありません" in page


@pytest.mark.django_db
def test_the_drafts_and_history_pages_in_japanese(marketer, line_draft):
    client = client_for(marketer)
    drafts = _page(client.get(reverse("messages:draft-list"), **JA))
    assert "新しい下書き" in drafts and "1件" in drafts and "すべての送信者" in drafts
    history = _page(client.get(reverse("messages:delivery-list"), {"network": "fax"}, **JA))
    assert "<h1>配信履歴</h1>" in history and "すべてのネットワーク" in history
    assert "正しく選択してください。" in history  # the filter's error, from Django's catalogue


@pytest.mark.django_db
def test_the_audience_and_suppression_pages_in_japanese(marketer):
    client = client_for(marketer)
    audiences = _page(client.get(reverse("audiences:list"), **JA))
    assert "<h1>オーディエンス</h1>" in audiences and "オーディエンスをアップロード" in audiences
    assert "<code>{{ first_name }}</code>" in audiences  # the placeholder example stays as it is
    response = client.post(reverse("audiences:suppression-new"), {"network": "line"}, **JA)
    page = _page(response)
    assert "配信停止リストに宛先を追加" in page and "何も保存されていません。" in page and "顧客参照" in page


@pytest.mark.django_db
def test_the_composer_in_japanese(marketer, line_draft):
    page = _page(client_for(marketer).get(reverse("messages:draft-edit", args=[line_draft.pk]), **JA))
    for words in ("下書きを保存", "ブロックを追加", "テスト送信", "リクエスト本文", "メッセージタイプ", "変更履歴"):
        assert words in page, words
    assert "/jsi18n/" in page  # the composer's script has its words too


@pytest.mark.django_db
def test_the_home_pages_chart_and_table_in_japanese(marketer):
    page = _page(client_for(marketer).get(reverse("home"), **JA))
    assert "過去14日間の1日あたりの送信数" in page and "この14日間の送信はありません" in page
    assert '<th scope="col">送信済み</th>' in page and '<th scope="col">配信回数上限超過</th>' in page
