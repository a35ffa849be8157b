"""The recipients parser: pasted lists and CSV files, every row kept or refused with its line."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messages.recipients import MAX_ROWS, parse_csv, parse_text


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


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_csv_with_or_without_bom_and_crlf(bom):
    data = bom + "ott_id,user_reference\r\nU1,r1\r\n\r\nU2,\r\n,\r\nユーザー😀,タイ\r\n".encode()
    result = parse_csv(data, "line")
    assert result.valid == [("U1", "r1"), ("U2", ""), ("ユーザー😀", "タイ")]
    assert not result.invalid and not result.error


def test_csv_columns_in_any_order_and_a_quoted_comma():
    result = parse_csv(b'user_reference,ott_id\n"a,b",U1\n', "line")
    assert result.valid == [("U1", "a,b")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"id,name\nU1,x\n", "The first row must be the header ott_id,user_reference"),
        (b"ott_id\n\xff\xfe\n", "The file is not UTF-8 text"),
    ],
)
def test_bad_files_get_one_clear_error(data, message):
    assert parse_csv(data, "line").error.startswith(message)


def test_a_hundred_thousand_rows_is_the_limit():
    rows = "".join(f"U{n}\n" for n in range(MAX_ROWS))
    result = parse_csv(("ott_id\n" + rows).encode(), "line")
    assert len(result.valid) == MAX_ROWS and not result.error
    over = parse_csv(("ott_id\n" + rows + "U-extra\n").encode(), "line")
    assert "At most 100,000" in over.error and not over.valid


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
