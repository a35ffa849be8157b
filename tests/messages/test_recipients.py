"""The recipients parser: pasted lists, every row kept or refused with its line (a CSV file is read as
an audience: tests/audiences/test_upload.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from messages.recipients import MAX_REFUSED_KEPT, parse_text, row_problems
from ott.rules import recipient_problems


def test_pasted_list_with_references_blanks_duplicates_and_bad_lines():
    text = "U1\nU2,ref-2\n\n  \nU1\n,ref-only\nbad\x07id\n" + "U" * 257 + "\n"
    result = parse_text(text, "line")
    assert result.valid == [("U1", ""), ("U2", "ref-2")]
    assert result.duplicates == 1
    assert [(line, reason.split(".")[0]) for line, _, reason in result.invalid] == [
        (6, "LINE needs an ottId (the LINE user id)"),
        (7, "ottId must not contain control characters"),
        (8, "ottId is 257 characters; at most 256 are allowed"),
    ]


def test_messenger_takes_a_user_reference_alone():
    assert parse_text(",ref-only\n", "messenger").valid == [("", "ref-only")]


def test_a_pasted_list_keeps_the_first_refused_lines_and_counts_the_rest():
    result = parse_text("U1\n" + "bad\x07\n" * (MAX_REFUSED_KEPT + 10), "line")
    assert len(result.invalid) == MAX_REFUSED_KEPT and result.refused == MAX_REFUSED_KEPT + 10
    assert result.invalid[-1][0] == MAX_REFUSED_KEPT + 1


@given(st.text(max_size=300), st.sampled_from(["line", "messenger"]))
def test_parsing_any_text_never_raises_and_accounts_for_every_line(text, network):
    result = parse_text(text, network)
    kept = len(result.valid) + result.duplicates + len(result.invalid)
    non_blank = sum(
        1
        for line in text.splitlines()
        if line.strip(", \t") or line.partition(",")[0].strip() or line.partition(",")[2].strip()
    )
    assert kept == non_blank
    assert all(reason for _, _, reason in result.invalid)


@given(
    st.text(alphabet=st.characters(codec=None), max_size=260) | st.sampled_from(["", "U1", "x" * 256, "x" * 257]),
    st.text(max_size=10) | st.sampled_from(["", "r", "\x00", "\ud800"]),
    st.sampled_from(["line", "messenger"]),
)
def test_a_row_is_accepted_exactly_when_no_rule_refuses_it(ott_id, user_reference, network):
    rules = recipient_problems(ott_id, "ottId") + recipient_problems(user_reference, "userReference")
    needed = bool(ott_id) if network == "line" else bool(ott_id or user_reference)
    assert (row_problems(ott_id, user_reference, network) == []) == (not rules and needed)
