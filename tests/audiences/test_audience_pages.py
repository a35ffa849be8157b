"""An audience's page: what it shows each role (ids masked for auditors), its refused rows as a
formula-safe CSV, a new version, and the rule that a used audience stays as it is."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from audiences.loading import audience_from_csv
from audiences.masking import mask
from audiences.models import Audience, AudienceRow
from audiences.services import AudienceLocked, audience_delete, audience_mark_used, audience_rename, audience_sends
from tests.audiences.conftest import binary, csv_file
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LONG_ID = "U4af4980629e2a3ed0b16dbc7e4a9a87e"


@pytest.fixture
def audience(marketer):
    text = (
        "ott_id,user_reference,first_name,coupon\n"
        f"{LONG_ID},cust-100234,Aiko,=HYPERLINK(1)\n"
        "U2,,Ben,X\n"
        "=cmd|' /C calc'!A0\a,,Cy,\n"  # refused (a control character): a formula in the text as given
    )
    return audience_from_csv(file=binary(text), name="Spring", network="line", user=marketer, file_name="spring.csv")


def test_mask_keeps_two_characters_at_each_end_of_a_long_id():
    assert mask(LONG_ID) == "U4•••7e"
    assert mask("cust-100234") == "cu•••34"
    assert mask("U2") == "•••"
    assert mask("abc") == "a•••"
    assert mask("") == ""


def test_the_page_shows_size_columns_rows_refused_and_who(marketer, audience):
    page = client_for(marketer).get(reverse("audiences:detail", args=[audience.pk])).content.decode()
    assert LONG_ID in page and "cust-100234" in page
    assert "{{ first_name }}" in page and "{{ coupon }}" in page
    assert "mark-marketer" in page and "spring.csv" in page
    assert "ottId must not contain control characters." in page
    assert "No send has used it yet." in page
    assert "Upload a new version" in page and "Rename" in page


def test_auditors_see_recipient_ids_masked_everywhere(auditor, audience):
    client = client_for(auditor)
    page = client.get(reverse("audiences:detail", args=[audience.pk])).content.decode()
    assert LONG_ID not in page and "cust-100234" not in page
    assert "U4•••7e" in page and "cu•••34" in page
    assert "Recipient ids are masked for your role." in page
    assert "cmd|" not in page  # refused rows: line and reason only
    assert "Rename" not in page and "Upload a new version" not in page
    download = client.get(reverse("audiences:refused", args=[audience.pk])).content.decode()
    assert "cmd|" not in download
    assert list(csv.reader(io.StringIO(download)))[1] == ["4", "'=c•••y,", "ottId must not contain control characters."]
    api = client.get(reverse("audience-rows", args=[audience.pk])).json()
    assert [row["ott_id"] for row in api["results"]] == ["U4•••7e", "•••"]
    assert api["results"][0]["user_reference"] == "cu•••34"
    assert api["results"][0]["vars"] == {"first_name": "Aiko", "coupon": "=HYPERLINK(1)"}


def test_the_refused_rows_download_is_formula_safe(marketer, audience):
    response = client_for(marketer).get(reverse("audiences:refused", args=[audience.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="audience-{audience.pk}-refused.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["line", "as_given", "reason"],
        ["4", "'=cmd|' /C calc'!A0\a,,Cy,", "ottId must not contain control characters."],
    ]


def test_a_new_version_starts_from_the_name_and_network_and_says_what_it_replaces(marketer, audience):
    client = client_for(marketer)
    form = client.get(reverse("audiences:new") + f"?from={audience.pk}").content.decode()
    assert 'value="Spring"' in form and f'name="replaces" value="{audience.pk}"' in form
    assert client.get(reverse("audiences:new") + "?from=abc").status_code == 200  # not an id: a blank form
    response = client.post(
        reverse("audiences:new"),
        {"name": "Spring", "network": "line", "replaces": audience.pk, "file": csv_file("ott_id\nU9\n")},
    )
    newer = Audience.objects.exclude(pk=audience.pk).get()
    assert response["Location"] == reverse("audiences:detail", args=[newer.pk])
    assert newer.replaces == audience
    page = client.get(reverse("audiences:detail", args=[audience.pk])).content.decode()
    assert "Newer versions" in page and reverse("audiences:detail", args=[newer.pk]) in page


def test_an_unused_audience_can_be_renamed_and_deleted(marketer, audience):
    client = client_for(marketer)
    client.post(reverse("audiences:rename", args=[audience.pk]), {"name": "Spring 2"})
    audience.refresh_from_db()
    assert audience.name == "Spring 2"
    assert "Delete the audience" in client.get(reverse("audiences:delete", args=[audience.pk])).content.decode()
    response = client.post(reverse("audiences:delete", args=[audience.pk]))
    assert response["Location"] == reverse("audiences:list")
    assert not Audience.objects.exists() and not AudienceRow.objects.exists()


def test_a_used_audience_is_read_only(marketer, admin, audience):
    assert audience_mark_used(audience) is True
    assert audience_mark_used(audience) is False  # marked once; the first time is kept
    assert Audience.objects.used().get() == audience and not Audience.objects.unused().exists()
    with pytest.raises(AudienceLocked, match="was used by a send, so it cannot be renamed"):
        audience_rename(audience=audience, name="Other", user=marketer)
    with pytest.raises(AudienceLocked, match=r"cannot be deleted\. Upload a new version instead\."):
        audience_delete(audience=audience, user=admin)
    client = client_for(admin)
    page = client.get(reverse("audiences:detail", args=[audience.pk])).content.decode()
    assert "Used by a send" in page and "Rename" not in page and "Upload a new version" in page
    client.post(reverse("audiences:rename", args=[audience.pk]), {"name": "Other"})
    response = client.post(reverse("audiences:delete", args=[audience.pk]), follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert client.delete(reverse("audience-detail", args=[audience.pk])).status_code == 409
    audience.refresh_from_db()
    assert audience.name == "Spring" and AudienceRow.objects.filter(audience=audience).count() == 2


def test_the_sends_that_used_an_audience_are_listed_on_its_page(marketer, audience):
    from messages.services import draft_create, send_create
    from ott.payloads import Block, Message
    from senders.models import Sender

    assert list(audience_sends(audience)) == []
    sender = Sender.objects.create(network=audience.network, sender_id="2000000099", name="Shop")
    draft = draft_create(
        owner=marketer, name="Autumn note", sender=sender, message=Message(blocks=(Block("text", text="Hi"),))
    )
    send = send_create(draft=draft, audience=audience, user=marketer)
    assert list(audience_sends(audience)) == [send]
    page = client_for(marketer).get(reverse("audiences:detail", args=[audience.pk])).content.decode()
    assert reverse("messages:send-detail", args=[send.pk]) in page and "Autumn note" in page


def test_an_upload_that_did_not_finish_can_be_deleted_once_stale(marketer, audience):
    from datetime import timedelta

    from audiences.services import AudienceError

    Audience.objects.filter(pk=audience.pk).update(status=Audience.Status.LOADING)
    audience.refresh_from_db()
    assert not Audience.objects.ready().exists()
    with pytest.raises(AudienceError, match="still being uploaded"):
        audience_delete(audience=audience, user=marketer)
    Audience.objects.filter(pk=audience.pk).update(created_at=audience.created_at - timedelta(hours=2))
    page = client_for(marketer).get(reverse("audiences:detail", args=[audience.pk])).content.decode()
    assert "This upload did not finish" in page
    audience_delete(audience=audience, user=marketer)
    assert not Audience.objects.exists()


def test_the_list_filters_and_says_what_to_do_when_empty(marketer, auditor, audience):
    page = client_for(marketer).get(reverse("audiences:list")).content.decode()
    assert "Spring" in page and "1 audience" in page
    assert (
        "No audiences match"
        in client_for(marketer).get(reverse("audiences:list") + "?network=messenger").content.decode()
    )
    Audience.objects.all().delete()
    assert "Marketers and admins upload them." in client_for(auditor).get(reverse("audiences:list")).content.decode()


def test_an_audience_being_deleted_or_uploaded_cannot_be_used(marketer, audience):
    from audiences.services import AudienceError

    Audience.objects.filter(pk=audience.pk).update(status=Audience.Status.LOADING)
    with pytest.raises(AudienceError, match="a send cannot use it"):
        audience_mark_used(audience)
    assert Audience.objects.get(pk=audience.pk).first_used_at is None


def test_the_admin_site_shows_audiences_and_suppressions_read_only(admin, audience):
    from django.contrib.auth.models import User

    User.objects.filter(pk=admin.pk).update(is_staff=True)
    client = client_for(User.objects.get(pk=admin.pk))
    assert client.get("/admin/audiences/audience/").status_code == 200
    assert client.get(f"/admin/audiences/audience/{audience.pk}/change/").status_code == 200
    assert client.get("/admin/audiences/suppression/").status_code == 200
    assert client.get("/admin/audiences/audience/add/").status_code == 403
    assert client.post(f"/admin/audiences/audience/{audience.pk}/delete/").status_code == 403
