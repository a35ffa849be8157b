"""Recipient uploads are refused while they arrive, and what waits on the confirm page stays small."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.test import Client
from django.test.client import FakePayload
from django.urls import reverse

from messages.models import RecipientList, Send
from messages.pending_lists import PENDING_PER_USER
from messages.recipients import MAX_REFUSED_KEPT
from messages.uploads import FIELDS_ALLOWANCE
from messages.views import sends
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LIMIT = 128 * 1024  # bytes (0.125 MB); the real limit (20 MB) works the same way


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(sends, "MAX_UPLOAD_BYTES", LIMIT)


@pytest.fixture
def body_reads(monkeypatch):
    """Bytes of each request body that the server read, and file bytes that reached a storing handler."""
    seen = {"read": 0, "stored": 0}
    read = FakePayload.read

    def counting_read(self, *args, **kwargs):
        data = read(self, *args, **kwargs)
        seen["read"] += len(data)
        return data

    def storing(original):
        def receive(self, raw_data, start):
            seen["stored"] += len(raw_data)
            return original(self, raw_data, start)

        return receive

    monkeypatch.setattr(FakePayload, "read", counting_read)
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        monkeypatch.setattr(handler, "receive_data_chunk", storing(handler.receive_data_chunk))
    return seen


def csv_of(size: int) -> SimpleUploadedFile:
    rows = b"ott_id\n" + b"U1234567\n" * (size // 9)
    return SimpleUploadedFile("recipients.csv", rows, "text/csv")


def post_file(user, draft, upload):
    return client_for(user).post(reverse("messages:send-start", args=[draft.pk]), {"csv_file": upload})


def test_a_huge_file_is_refused_before_it_is_read(small_limit, body_reads, marketer, line_draft):
    upload = csv_of(LIMIT + FIELDS_ALLOWANCE + 500_000)
    response = post_file(marketer, line_draft, upload)
    assert response.status_code == 400
    page = response.content.decode()
    assert "The file is larger than 0.125 MB, the most one upload can be." in page
    assert 'id="id_csv_file"' in page.split("The file is larger")[0]  # next to the file field
    assert body_reads["read"] < 100_000 and body_reads["stored"] == 0  # neither read nor stored
    assert not RecipientList.objects.exists()


def test_a_file_that_turns_out_too_big_is_cut_at_the_limit(small_limit, body_reads, marketer, line_draft):
    response = post_file(marketer, line_draft, csv_of(3 * LIMIT))  # declared within the allowance
    assert response.status_code == 400 and "The file is larger than" in response.content.decode()
    assert body_reads["stored"] <= LIMIT  # nothing past the limit is kept
    assert body_reads["read"] < 2 * LIMIT  # one chunk past the limit at most, never the rest


def test_a_file_a_little_too_big_is_read_to_its_end_so_the_browser_gets_the_answer(
    small_limit, body_reads, marketer, line_draft
):
    upload = csv_of(LIMIT + 20_000)
    response = post_file(marketer, line_draft, upload)
    assert response.status_code == 400 and "The file is larger than" in response.content.decode()
    assert body_reads["stored"] <= LIMIT and body_reads["read"] > LIMIT + 20_000


def test_a_file_under_the_limit_goes_through(small_limit, marketer, line_draft):
    response = post_file(marketer, line_draft, csv_of(LIMIT - 1_000))
    assert response.status_code == 302
    pending = RecipientList.objects.get()  # a one-off audience: U1234567, repeats collapsed
    assert (pending.audience.size, pending.audience.one_off, pending.recipients) == (1, True, [])


def test_the_page_still_checks_csrf(marketer, line_draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(marketer)
    response = client.post(reverse("messages:send-start", args=[line_draft.pk]), {"pasted": "U1"})
    assert response.status_code == 403 and not RecipientList.objects.exists()


def test_a_pasted_list_over_the_request_limit_is_explained(settings, marketer, line_draft):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    response = client_for(marketer).post(
        reverse("messages:send-start", args=[line_draft.pk]), {"pasted": "U1\n" * 30_000}
    )
    assert response.status_code == 400
    assert "A pasted list can be at most 0.0625 MB; upload it as a CSV file." in response.content.decode()
    assert not RecipientList.objects.exists()


def test_refused_lines_kept_are_bounded_and_the_rest_counted(marketer, line_draft):
    pasted = "U-good\n" + ",ref-only\n" * (MAX_REFUSED_KEPT + 500)
    client = client_for(marketer)
    confirm_url = client.post(reverse("messages:send-start", args=[line_draft.pk]), {"pasted": pasted})["Location"]
    pending = RecipientList.objects.get()
    assert len(pending.invalid) == MAX_REFUSED_KEPT and pending.invalid_count == MAX_REFUSED_KEPT + 500
    confirm = client.get(confirm_url).content.decode()
    assert 'data-testid="refused-count">1,500 lines' in confirm
    assert "… and 1300 more refused lines." in confirm  # 200 shown
    client.post(confirm_url)
    assert Send.objects.get().invalid_count == MAX_REFUSED_KEPT + 500


def test_a_user_keeps_a_few_pending_lists_the_oldest_are_dropped(marketer, admin, line_draft):
    client = client_for(marketer)
    url = reverse("messages:send-start", args=[line_draft.pk])
    client_for(admin).post(url, {"pasted": "U-admin"})
    confirm_urls = [client.post(url, {"pasted": f"U{n}"})["Location"] for n in range(PENDING_PER_USER + 2)]
    assert RecipientList.objects.filter(created_by=marketer).count() == PENDING_PER_USER
    assert RecipientList.objects.filter(created_by=admin).count() == 1  # another user's lists stay
    assert [client.get(u).status_code for u in confirm_urls] == [404, 404] + [200] * PENDING_PER_USER
