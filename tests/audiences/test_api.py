"""`/api/v1/audiences/` and `/api/v1/suppressions/`: the shapes the contract names, who may do what,
and bad input answered with a 400 naming the field and the rule."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audiences.loading import audience_from_csv
from audiences.models import Audience, Suppression, SuppressionChange
from tests.audiences.conftest import binary, csv_file

pytestmark = pytest.mark.django_db

AUDIENCE_KEYS = {"id", "name", "network", "size", "columns", "refused", "duplicates", "created_by", "created_at"}
SUPPRESSION_KEYS = {
    "id",
    "network",
    "sender",
    "ott_id",
    "user_reference",
    "reason",
    "expires_at",
    "created_by",
    "created_at",
}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_from_a_csv_file(marketer):
    text = "\ufeffott_id,user_reference,first_name\r\nU1,r1,Aiko\r\nU1,r1,Aiko\r\n,r3,Cy\r\n"
    response = api(marketer).post(
        reverse("audience-list"), {"name": "Spring", "network": "line", "file": csv_file(text)}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= AUDIENCE_KEYS
    assert {
        key: body[key] for key in ("name", "network", "size", "columns", "refused", "duplicates", "created_by")
    } == {
        "name": "Spring",
        "network": "line",
        "size": 1,
        "columns": ["first_name"],
        "refused": 1,
        "duplicates": 1,
        "created_by": "mark-marketer",
    }
    assert body["refused_rows"] == [{"line": 4, "reason": "LINE needs an ottId (the LINE user id)."}]
    assert body["first_used_at"] is None


def test_create_from_json(marketer):
    payload = {
        "name": "CRM export",
        "network": "messenger",
        "recipients": [
            {"ott_id": "", "user_reference": "cust-1", "vars": {"first_name": "Aiko", "points": 120}},
            {"ott_id": "P2", "vars": {"first_name": None}},
        ],
    }
    response = api(marketer).post(reverse("audience-list"), payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["size"], body["columns"], body["refused"], body["duplicates"]) == (2, ["first_name", "points"], 0, 0)
    rows = api(marketer).get(reverse("audience-rows", args=[body["id"]])).json()
    assert rows["count"] == 2
    assert rows["results"] == [
        {"line": 1, "ott_id": "", "user_reference": "cust-1", "vars": {"first_name": "Aiko", "points": "120"}},
        {"line": 2, "ott_id": "P2", "user_reference": "", "vars": {"first_name": "", "points": ""}},
    ]


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"network": "line", "recipients": [{"ott_id": "U1"}]}, {"name": ["This field is required."]}),
        (
            {"name": "x", "network": "sms", "recipients": [{"ott_id": "U1"}]},
            {"network": ['"sms" is not a valid choice.']},
        ),
        (
            {"name": "x", "network": "line", "recipients": []},
            {"recipients": {"non_field_errors": ["This list may not be empty."]}},
        ),
        (
            {"name": "x", "network": "line", "recipients": [{"ott_id": "U1"}, {"user_reference": "r"}]},
            {"recipients[1]": ["LINE needs an ottId (the LINE user id)."]},
        ),
        (
            {"name": "x", "network": "line", "recipients": [{"ott_id": "U1", "vars": {"a": {"b": 1}}}]},
            {"recipients[0].vars.a": ["Give text or a number."]},
        ),
        (
            {"name": "x", "network": "line", "recipients": [{"ott_id": "U1"}], "replaces": 999},
            {"replaces": ["No audience has this id."]},
        ),
    ],
)
def test_bad_json_is_a_400_naming_the_field(marketer, payload, errors):
    response = api(marketer).post(reverse("audience-list"), payload, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert not Audience.objects.exists()


def test_a_bad_file_is_a_400_naming_file(marketer):
    client = api(marketer)
    response = client.post(
        reverse("audience-list"), {"name": "x", "network": "line", "file": csv_file("email\na@b\n")}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {
        "file": ["The first row must be the header ott_id,user_reference, then any columns of your own (found: email)."]
    }
    response = client.post(reverse("audience-list"), {"name": "x", "network": "line"}, format="multipart")
    assert response.json() == {"file": ["No file was submitted."]}


def test_a_file_over_the_limit_is_refused_while_it_arrives(marketer, monkeypatch):
    from audiences.api import AudienceViewSet

    monkeypatch.setattr(AudienceViewSet, "upload_limit", 128 * 1024)
    upload = csv_file("ott_id\n" + "U1234567\n" * 20_000)
    response = api(marketer).post(
        reverse("audience-list"), {"name": "x", "network": "line", "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {"file": ["The file is larger than 0.125 MB; split it."]}


def test_list_and_retrieve_for_every_role_writes_for_marketers_and_admins(marketer, auditor, outsider):
    audience = audience_from_csv(file=binary("ott_id\nU1\n"), name="A", network="line", user=marketer)
    Audience.objects.create(name="Still loading", network="line", created_by=marketer)  # not listed
    listed = api(auditor).get(reverse("audience-list")).json()
    assert [item["name"] for item in listed["results"]] == ["A"]
    assert set(listed["results"][0]) == AUDIENCE_KEYS
    assert api(auditor).get(reverse("audience-detail", args=[audience.pk])).status_code == 200
    assert api(auditor).post(reverse("audience-list"), {}, format="json").status_code == 403
    assert api(auditor).delete(reverse("audience-detail", args=[audience.pk])).status_code == 403
    assert api(outsider).get(reverse("audience-list")).status_code == 403
    assert APIClient().get(reverse("audience-list")).status_code == 401
    assert api(marketer).delete(reverse("audience-detail", args=[audience.pk])).status_code == 204
    assert not Audience.objects.filter(pk=audience.pk).exists()


def test_rows_are_paged(marketer):
    lines = "".join(f"U{n}\n" for n in range(1, 121))
    audience = audience_from_csv(file=binary("ott_id\n" + lines), name="A", network="line", user=marketer)
    page = api(marketer).get(reverse("audience-rows", args=[audience.pk]), {"limit": 50, "offset": 100}).json()
    assert page["count"] == 120
    assert [row["ott_id"] for row in page["results"]] == [f"U{n}" for n in range(101, 121)]
    assert page["next"] is None and "offset=50" in page["previous"]
    bad = api(marketer).get(reverse("audience-rows", args=[audience.pk]), {"limit": "many"})
    assert bad.status_code == 400 and bad.json() == {"limit": ["Must be a whole number, 1 or more."]}


def test_suppressions_create_list_and_destroy(admin, marketer, auditor, line_sender):
    client = api(marketer)
    payload = {"network": "line", "sender": line_sender.pk, "ott_id": "U1", "reason": "opt_out"}
    response = client.post(reverse("suppression-list"), payload, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == SUPPRESSION_KEYS
    assert (body["sender"], body["user_reference"], body["expires_at"], body["created_by"]) == (
        line_sender.pk,
        "",
        None,
        "mark-marketer",
    )
    again = client.post(reverse("suppression-list"), {**payload, "reason": "complaint"}, format="json")
    assert again.status_code == 200 and again.json()["reason"] == "complaint"
    every = client.post(
        reverse("suppression-list"),
        {
            "network": "line",
            "sender": None,
            "user_reference": "r2",
            "reason": "manual",
            "expires_at": "2099-01-01T00:00:00Z",
        },
        format="json",
    )
    assert every.status_code == 201 and every.json()["sender"] is None
    listed = api(auditor).get(reverse("suppression-list"), {"reason": "complaint"}).json()
    assert [item["ott_id"] for item in listed["results"]] == ["U1"]
    assert api(auditor).post(reverse("suppression-list"), payload, format="json").status_code == 403
    assert client.delete(reverse("suppression-detail", args=[body["id"]])).status_code == 403
    assert api(admin).delete(reverse("suppression-detail", args=[body["id"]])).status_code == 204
    assert not Suppression.objects.filter(pk=body["id"]).exists()
    assert SuppressionChange.objects.filter(action="removed", user=admin, ott_id="U1").exists()


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"network": "line", "reason": "opt_out"}, {"ott_id": ["Give an ottId or a userReference (or both)."]}),
        ({"network": "line", "ott_id": "U1", "reason": "spam"}, {"reason": ['"spam" is not a valid choice.']}),
        (
            {"network": "line", "ott_id": "U1", "reason": "manual", "expires_at": "2001-01-01T00:00:00Z"},
            {"expires_at": ["The expiry is in the past; leave it empty for an entry that never expires."]},
        ),
        (
            {"network": "line", "ott_id": "U1", "reason": "manual", "sender": 99999},
            {"sender": ['Invalid pk "99999" - object does not exist.']},
        ),
    ],
)
def test_bad_suppressions_are_a_400_naming_the_field(marketer, payload, errors):
    response = api(marketer).post(reverse("suppression-list"), payload, format="json")
    assert response.status_code == 400
    assert response.json() == errors


def test_suppressions_import(marketer, auditor):
    text = "ott_id,user_reference,reason\nU1,,opt_out\nU2,,bored\nU1,,opt_out\n"
    response = api(marketer).post(
        reverse("suppression-import-csv"), {"file": csv_file(text), "network": "line"}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "added": 1,
        "updated": 0,
        "unchanged": 0,
        "duplicates": 1,
        "refused": 1,
        "refused_rows": [{"line": 3, "reason": "reason: give opt_out, complaint, blocked, manual."}],
    }
    response = api(marketer).post(
        reverse("suppression-import-csv"), {"file": csv_file("ott_id\nU3\n")}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {"network": ["Choose the network of these recipients (the file has no network column)."]}
    forbidden = api(auditor).post(reverse("suppression-import-csv"), {"file": csv_file(text)}, format="multipart")
    assert forbidden.status_code == 403


def test_the_schema_documents_both_apis(admin):
    schema = api(admin).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    create = paths["/api/v1/audiences/"]["post"]
    assert set(create["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert "/api/v1/audiences/{id}/rows/" in paths
    assert "409" in paths["/api/v1/audiences/{id}/"]["delete"]["responses"]
    assert set(paths["/api/v1/suppressions/{id}/"]) >= {"get", "delete"}
    assert "multipart/form-data" in paths["/api/v1/suppressions/import/"]["post"]["requestBody"]["content"]
    assert {"201", "200"} <= set(paths["/api/v1/suppressions/"]["post"]["responses"])
