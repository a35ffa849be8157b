"""Audience upload: what a marketer's CSV file may look like (BOM, CRLF, quoted commas, empty cells),
what is refused and why, repeats collapsed, and the file read as a stream, never whole."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from audiences import loading
from audiences.csvfile import READ_CHUNK
from audiences.loading import AudienceInvalid, audience_from_csv, audience_from_rows
from audiences.models import Audience, AudienceRow
from audiences.services import audience_row, audience_rows
from tests.audiences.conftest import binary, csv_file
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def upload(user, text, network="line"):
    return audience_from_csv(file=binary(text), name="Spring", network=network, user=user, file_name="spring.csv")


def stored(audience):
    return [tuple(row) for row in audience_rows(audience)]


def test_bom_crlf_quoted_commas_and_empty_cells(marketer):
    text = (
        "\ufeffott_id,user_reference,first_name,city,coupon\r\n"
        'U1,cust-1,"Lee, Jo","Tokyo\r\nShibuya",SPRING10\r\n'
        "U2,,Aiko,,\r\n"
        "U3,cust-3\r\n"  # a short row: the missing cells are empty
    )
    audience = upload(marketer, text)
    assert audience.status == Audience.Status.READY
    assert audience.columns == ["first_name", "city", "coupon"]
    assert (audience.size, audience.refused_count, audience.duplicate_count) == (3, 0, 0)
    assert stored(audience) == [
        (2, "U1", "cust-1", {"first_name": "Lee, Jo", "city": "Tokyo\r\nShibuya", "coupon": "SPRING10"}),
        (4, "U2", "", {"first_name": "Aiko", "city": "", "coupon": ""}),  # the quoted line break took line 3
        (5, "U3", "cust-3", {"first_name": "", "city": "", "coupon": ""}),
    ]


def test_header_in_any_case_and_order_with_cjk_and_emoji_values(marketer):
    text = "名前,User_Reference, OTT_ID \n花子 🌸,r1,U1\n"
    audience = upload(marketer, text)
    assert audience.columns == ["名前"]
    assert stored(audience) == [(2, "U1", "r1", {"名前": "花子 🌸"})]


def test_a_header_without_ott_id_is_refused_and_nothing_is_saved(marketer):
    with pytest.raises(AudienceInvalid) as refused:
        upload(marketer, "user_reference,first_name\nr1,Aiko\n")
    assert refused.value.errors == {
        "file": [
            "The first row must be the header ott_id,user_reference, then any columns of your own "
            "(found: user_reference,first_name)."
        ]
    }
    assert not Audience.objects.exists()


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("ott_id,,coupon", "Column 2 of the header has no name: name it, or delete the column."),
        ("ott_id,coupon,Coupon", "The column “Coupon” is given twice (as “coupon” too); keep one."),
        ("ott_id,OTT_ID", "The column “OTT_ID” is given twice (as “ott_id” too); keep one."),
    ],
)
def test_bad_headers_say_which_column(marketer, header, problem):
    with pytest.raises(AudienceInvalid) as refused:
        upload(marketer, f"{header}\nU1,a,b\n")
    assert refused.value.errors == {"file": [problem]}


def test_rows_that_break_the_networks_rule_are_refused_with_their_line(marketer):
    text = "ott_id,user_reference,first_name\n,cust-1,Aiko\nU2,,Ben\nU3\u0000x,,Cy\n"
    audience = upload(marketer, text)  # LINE needs an ottId
    assert audience.size == 1
    assert audience.refused_count == 2
    assert audience.refused_lines == [
        [2, ",cust-1,Aiko", "LINE needs an ottId (the LINE user id)."],
        [4, "U3\u2400x,,Cy", "ottId must not contain control characters."],
    ]
    messenger = upload(marketer, "ott_id,user_reference\n,cust-1\n", network="messenger")
    assert (messenger.size, messenger.refused_count) == (1, 0)  # Messenger takes a userReference alone


def test_a_row_with_more_cells_than_the_header_is_refused(marketer):
    audience = upload(marketer, "ott_id,first_name\nU1,Lee, Jo\nU2,Aiko\nU3,Ben,\n")
    assert audience.size == 2  # a trailing empty cell is harmless
    assert audience.refused_lines == [
        [2, "U1,Lee, Jo", "This line has 3 cells and the header 2: put a value that holds a comma in double quotes."]
    ]


def test_repeats_are_collapsed_and_counted_the_first_kept(marketer):
    text = "ott_id,user_reference,n\nU1,a,1\nU1,a,2\nU1,b,3\nU1,a,4\n"
    audience = upload(marketer, text)
    assert (audience.size, audience.duplicate_count) == (2, 2)
    assert [(row.line, row.vars["n"]) for row in audience_rows(audience)] == [(2, "1"), (4, "3")]


def test_long_values_are_refused_naming_the_column(marketer):
    audience = upload(marketer, f"ott_id,note\nU1,{'x' * 2001}\nU2,ok\n")
    assert audience.refused_lines[0][2] == "“note” is 2,001 characters; at most 2,000 are allowed."


def test_an_empty_file_and_a_file_without_valid_rows(marketer):
    with pytest.raises(AudienceInvalid) as empty:
        upload(marketer, "\n\n")
    assert "The file is empty" in empty.value.errors["file"][0]
    with pytest.raises(AudienceInvalid) as none_valid:
        upload(marketer, "ott_id,user_reference\n,r1\n")
    assert none_valid.value.errors == {"file": ["No valid recipient in this file (see the refused lines)."]}
    assert none_valid.value.refused == [[2, ",r1", "LINE needs an ottId (the LINE user id)."]]
    assert not Audience.objects.exists() and not AudienceRow.objects.exists()


def test_a_file_that_is_not_utf8_stops_with_its_line_and_leaves_nothing(marketer, monkeypatch):
    monkeypatch.setattr(loading, "BATCH", 2)  # some batches are written before the bad line is reached
    text = b"ott_id\nU1\nU2\nU3\nU4\n" + "U5é\n".encode("latin-1")
    with pytest.raises(AudienceInvalid) as refused:
        upload(marketer, text)
    assert refused.value.errors == {"file": ["The file is not UTF-8 text (line 6 cannot be read). Save it as UTF-8."]}
    assert not Audience.objects.exists() and not AudienceRow.objects.exists()


def test_more_rows_than_allowed_is_refused_and_leaves_nothing(marketer, monkeypatch):
    monkeypatch.setattr(loading, "MAX_ROWS", 3)
    monkeypatch.setattr(loading, "BATCH", 2)
    with pytest.raises(AudienceInvalid) as refused:
        upload(marketer, "ott_id\nU1\nU2\nU3\nU4\n")
    assert refused.value.errors == {"file": ["An audience can have at most 3 rows; this file has more. Split it."]}
    assert not AudienceRow.objects.exists()


def test_rows_are_written_in_batches_and_read_back_in_line_order(marketer, monkeypatch):
    monkeypatch.setattr(loading, "BATCH", 7)
    lines = "".join(f"U{n},r{n},{n}\n" for n in range(1, 51))
    audience = upload(marketer, "ott_id,user_reference,n\n" + lines)
    assert audience.size == 50
    rows = list(audience_rows(audience, batch=6))
    assert [row.line for row in rows] == list(range(2, 52))
    assert rows[0] == (2, "U1", "r1", {"n": "1"})
    bare = list(audience_rows(audience, batch=6, with_vars=False))  # for a message without placeholders
    assert [row[:3] for row in bare] == [row[:3] for row in rows] and {str(row.vars) for row in bare} == {"{}"}
    assert audience_row(audience, line=10).ott_id == "U9"
    assert audience_row(audience, after=10).line == 11
    assert audience_row(audience, after=51) is None


class RecordingFile(io.RawIOBase):
    """A file that records each read asked of it."""

    def __init__(self, data: bytes):
        self.data = io.BytesIO(data)
        self.asked: list[int] = []

    def readable(self):
        return True

    def readinto(self, buffer):
        self.asked.append(len(buffer))
        chunk = self.data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_the_file_is_read_in_chunks_never_whole(marketer):
    body = "ott_id,user_reference,first_name\n" + "".join(f"U{n:032x},cust-{n},Name {n}\n" for n in range(40_000))
    data = body.encode()
    recording = RecordingFile(data)
    audience = audience_from_csv(file=io.BufferedReader(recording), name="Big", network="line", user=marketer)
    assert audience.size == 40_000
    assert len(data) > 2_000_000
    assert max(recording.asked) <= 2 * READ_CHUNK  # never the whole file (nor a read(-1))
    assert sum(recording.asked) >= len(data)
    assert len(recording.asked) > len(data) // (2 * READ_CHUNK)


def test_the_upload_page_saves_and_shows_the_counts(marketer):
    client = client_for(marketer)
    text = "ott_id,user_reference,first_name\nU1,r1,Aiko\nU1,r1,Aiko\n,r3,Cy\n"
    response = client.post(reverse("audiences:new"), {"name": "Spring", "network": "line", "file": csv_file(text)})
    audience = Audience.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("audiences:detail", args=[audience.pk])
    page = client.get(response["Location"]).content.decode()
    assert "“Spring” is saved: 1 recipient, 1 refused line, 1 repeated recipient collapsed." in page
    assert "LINE needs an ottId" in page


def test_the_upload_page_names_the_problem_and_keeps_nothing(marketer):
    client = client_for(marketer)
    response = client.post(
        reverse("audiences:new"), {"name": "Spring", "network": "line", "file": csv_file("email\nx@example.com\n")}
    )
    assert response.status_code == 400
    assert "CSV file: The first row must be the header ott_id,user_reference" in response.content.decode()
    response = client.post(reverse("audiences:new"), {"name": "", "network": "telegram"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Name: This field is required." in page and "Select a valid choice" in page
    assert "CSV file: This field is required." in page
    assert not Audience.objects.exists()


def test_a_file_over_the_limit_is_refused_while_it_arrives(marketer, monkeypatch):
    from audiences.views import audiences as views

    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", 128 * 1024)
    text = "ott_id\n" + "U1234567\n" * 20_000
    response = client_for(marketer).post(
        reverse("audiences:new"), {"name": "Big", "network": "line", "file": csv_file(text)}
    )
    assert response.status_code == 400
    assert "The file is larger than 0.125 MB, the most one upload can be. Split it." in response.content.decode()
    assert not Audience.objects.exists()


def test_json_rows_make_an_audience_with_the_columns_in_first_seen_order(marketer):
    audience = audience_from_rows(
        name="From the CRM",
        network="line",
        user=marketer,
        recipients=[
            {"ott_id": "U1", "user_reference": "", "vars": {"first_name": "Aiko"}},
            {"ott_id": "U2", "user_reference": "r2", "vars": {"coupon": "X1", "first_name": "Ben"}},
            {"ott_id": "U1", "user_reference": "", "vars": {}},
        ],
    )
    assert audience.columns == ["first_name", "coupon"]
    assert (audience.size, audience.duplicate_count) == (2, 1)
    assert stored(audience) == [
        (1, "U1", "", {"first_name": "Aiko", "coupon": ""}),
        (2, "U2", "r2", {"first_name": "Ben", "coupon": "X1"}),
    ]


def test_json_rows_with_problems_are_named_and_nothing_is_saved(marketer):
    with pytest.raises(AudienceInvalid) as refused:
        audience_from_rows(
            name="x",
            network="line",
            user=marketer,
            recipients=[
                {"ott_id": "U1", "user_reference": "", "vars": {"ott_id": "U9"}},
                {"ott_id": "", "user_reference": "r2", "vars": {}},
                {"ott_id": "U3", "vars": {"first_name": "Cy"}},
                {"ott_id": "U4", "vars": {"First_Name": "Di"}},
            ],
        )
    assert refused.value.errors == {
        "recipients[0]": ["“ott_id” is the recipient itself; give it outside vars."],
        "recipients[1]": ["LINE needs an ottId (the LINE user id)."],
        "recipients[3]": ["The column “First_Name” is also spelled “first_name”; use one spelling."],
    }
    assert not Audience.objects.exists()
