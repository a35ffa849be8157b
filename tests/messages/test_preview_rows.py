"""The composer's preview with a saved audience: the page's message filled for one real row, stepped
through first, next, previous and by line number; placeholders the audience lacks named; an audience
of the other network, or one not there, refused."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from audiences.loading import audience_from_csv
from audiences.models import Audience
from tests.conftest import client_for
from tests.messages.test_composer import composer_data

pytestmark = pytest.mark.django_db

U = [f"U{n:032x}" for n in range(1, 10)]
CSV = (
    "ott_id,user_reference,First_Name,city\r\n"
    f"{U[1]},ref-1,花子,東京\r\n"  # line 2
    f"{U[2]},ref-2,😀 Zoë,\r\n"  # line 3: no city
    f"{U[1]},ref-1,again,y\r\n"  # line 4: a repeat, collapsed
    f'{U[4]},ref-4,"Smith, Jo",Osaka\r\n'  # line 5
)
TEXT = 'Hi {{ first_name }} from {{ city | default: "your town" }} {{ coupon | default: "SPRING" }}'


@pytest.fixture
def audience(marketer) -> Audience:
    return audience_from_csv(file=io.BytesIO(CSV.encode()), name="Spring list", network="line", user=marketer)


def preview(user, sender, text=TEXT, **where):
    data = {**composer_data(sender, [{"type": "text", "text": text}]), **where}
    return client_for(user).post(reverse("messages:draft-preview-row"), data)


def test_the_first_row_is_filled_with_cjk_and_the_default_of_a_missing_column(marketer, line_sender, audience):
    response = preview(marketer, line_sender, audience=audience.pk, after=0)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["row"]["line"] == 2 and answer["row"]["ott_id"] == U[1]
    assert (answer["previous_line"], answer["next_line"]) == (None, 3)
    assert answer["body"]["to"] == {"ottId": U[1], "userReference": "ref-1"}
    assert answer["body"]["message"]["contents"] == [{"type": "text", "text": "Hi 花子 from 東京 SPRING"}]
    assert "Hi 花子 from 東京 SPRING" in answer["preview_html"]
    notes = {p["column"]: p for p in answer["placeholders"]}
    assert notes["first_name"]["value"] == "花子" and notes["first_name"]["note"] == ""
    assert notes["coupon"]["note"] == "The audience has no column coupon; its default “SPRING” is used."
    assert not notes["coupon"]["blocks_sending"] and answer["problems"] == []
    assert "花子" in response.content.decode()  # JSON as text, not \\u escapes


def test_next_previous_and_a_line_step_over_refused_rows(marketer, line_sender, audience):
    second = preview(marketer, line_sender, audience=audience.pk, after=2).json()
    assert second["row"]["line"] == 3
    assert second["body"]["message"]["contents"][0]["text"] == "Hi 😀 Zoë from your town SPRING"
    assert {p["column"]: p["note"] for p in second["placeholders"]}["city"] == (
        "Empty in this row; its default “your town” is used."
    )
    third = preview(marketer, line_sender, audience=audience.pk, after=3).json()
    assert (third["row"]["line"], third["previous_line"], third["next_line"]) == (5, 3, None)
    assert third["body"]["message"]["contents"][0]["text"] == "Hi Smith, Jo from Osaka SPRING"
    back = preview(marketer, line_sender, audience=audience.pk, before=5).json()
    assert back["row"]["line"] == 3
    assert preview(marketer, line_sender, audience=audience.pk, line=5).json()["row"]["ott_id"] == U[4]


@pytest.mark.parametrize(
    ("where", "field", "message"),
    [
        ({"line": 4}, "line", "“Spring list” has no row at line 4 (its rows run from line 2 to line 5;"),
        ({"line": 99}, "line", "has no row at line 99"),
        ({"after": 5}, "after", "“Spring list” has no row after line 5 (its rows run from line 2 to line 5)."),
        ({"before": 2}, "before", "has no row before line 2"),
    ],
)
def test_a_row_beyond_either_end_is_named(marketer, line_sender, audience, where, field, message):
    response = preview(marketer, line_sender, audience=audience.pk, **where)
    assert response.status_code == 404
    assert message in response.json()["errors"][field][0]


@pytest.mark.parametrize(
    ("where", "field"),
    [
        ({}, "line"),
        ({"line": "two"}, "line"),
        ({"after": "-1"}, "after"),
        ({"line": "²"}, "line"),
        ({"line": 2, "after": 0}, "line"),
    ],
)
def test_where_to_look_must_be_one_line_number(marketer, line_sender, audience, where, field):
    response = preview(marketer, line_sender, audience=audience.pk, **where)
    assert response.status_code == 400 and response.json()["errors"][field]


def test_a_column_missing_without_a_default_blocks_sending(marketer, line_sender, audience):
    answer = preview(marketer, line_sender, "Code {{ coupon }}", audience=audience.pk, line=2).json()
    assert answer["placeholders"] == [
        {
            "column": "coupon",
            "default": None,
            "value": "",
            "note": "The audience has no column coupon: missing, blocks sending.",
            "blocks_sending": True,
        }
    ]


def test_a_row_whose_filled_message_breaks_a_rule_says_so(marketer, line_sender, audience):
    text = "x" * 4_999 + "{{ first_name }}"  # 花子 takes it to 5,001 UTF-16 units
    answer = preview(marketer, line_sender, text, audience=audience.pk, line=2).json()
    assert answer["problems"] and "5,000" in answer["problems"][0]


def test_an_audience_of_the_other_network_is_refused(marketer, messenger_sender, audience):
    response = preview(marketer, messenger_sender, audience=audience.pk, after=0)
    assert response.status_code == 400
    assert response.json()["errors"]["audience"] == [
        "“Spring list” is a LINE audience; this draft's sender is on Messenger. Choose a Messenger audience."
    ]


def test_an_audience_not_there_or_not_ready_is_404(marketer, line_sender, audience):
    for other in (audience.pk + 1, "²", "x", "9" * 30):
        assert preview(marketer, line_sender, audience=other, after=0).status_code == 404
    Audience.objects.filter(pk=audience.pk).update(status=Audience.Status.LOADING)
    response = preview(marketer, line_sender, audience=audience.pk, after=0)
    assert response.status_code == 404 and "No such audience is ready" in response.json()["errors"]["audience"][0]


def test_only_those_who_compose_may_ask(auditor, approver, line_sender, audience):
    for user in (auditor, approver):
        assert preview(user, line_sender, audience=audience.pk, after=0).status_code == 403


def test_the_composer_lists_placeholders_and_offers_the_networks_audiences(marketer, line_draft, audience):
    client = client_for(marketer)
    page = client.get(reverse("messages:draft-edit", args=[line_draft.pk])).content.decode()
    assert f'<option value="{audience.pk}" data-network="line">Spring list (LINE, 3 recipients)</option>' in page
    assert 'data-step="next"' in page and 'id="preview-line"' in page
    live = client.post(
        reverse("messages:draft-validate"),
        composer_data(line_draft.sender, [{"type": "text", "text": TEXT}]),
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "<code>first_name</code>: no default (a missing column blocks sending)" in live
    assert "<code>city</code>: default “your town” when empty or missing" in live
