"""The recipients parser: pasted lists and CSV files, every row kept or refused with its line."""

from __future__ import annotations

import codecs
import io
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messages.recipients import MAX_REFUSED_KEPT, MAX_ROWS, parse_csv, parse_text


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
    result = parse_csv(io.BytesIO(data), "line")
    assert result.valid == [("U1", "r1"), ("U2", ""), ("ユーザー😀", "タイ")]
    assert not result.invalid and not result.error


def test_csv_columns_in_any_order_and_a_quoted_comma():
    result = parse_csv(io.BytesIO(b'user_reference,ott_id\n"a,b",U1\n'), "line")
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
    assert parse_csv(io.BytesIO(data), "line").error.startswith(message)


def test_a_hundred_thousand_rows_is_the_limit():
    rows = "".join(f"U{n}\n" for n in range(MAX_ROWS))
    result = parse_csv(io.BytesIO(("ott_id\n" + rows).encode()), "line")
    assert len(result.valid) == MAX_ROWS and not result.error
    over = parse_csv(io.BytesIO(("ott_id\n" + rows + "U-extra\n").encode()), "line")
    assert "At most 100,000" in over.error and not over.valid


class RecordedFile(io.BytesIO):
    """A file that records the size of every read."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.reads: list[int | None] = []

    def read(self, size=-1):
        self.reads.append(size)
        return super().read(size)

    def read1(self, size=-1):
        self.reads.append(size)
        return super().read1(size)


def test_a_csv_file_is_read_as_a_stream_and_no_further_than_needed():
    rows = "".join(f"U{n}\n" for n in range(MAX_ROWS + 50_000))
    file = RecordedFile(("ott_id\n" + rows).encode())
    assert "At most 100,000" in parse_csv(file, "line").error
    assert file.reads and all(size is not None and 0 < size <= 64 * 1024 for size in file.reads)
    assert file.tell() < len(file.getvalue()) - 100_000  # it stopped soon after the 100,001st row
    assert not file.closed  # the caller's file is left open


def test_a_file_of_mostly_refused_lines_keeps_the_first_ones_and_little_memory():
    file = io.BytesIO(b"ott_id\nU-good\n" + b"bad\x07" + b"x" * 150 + b"\n" + (b"," + b"y" * 150 + b"\n") * 50_000)
    tracemalloc.start()
    try:
        result = parse_csv(file, "line")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.valid == [("U-good", "")] and result.refused == 50_001
    assert len(result.invalid) == MAX_REFUSED_KEPT
    assert result.invalid[0][0] == 3 and "control characters" in result.invalid[0][2]
    assert peak < 2 * 1024 * 1024  # a 7.5 MB file: neither it nor its refused lines are held whole


def test_not_utf8_names_the_line_and_old_mac_line_endings_still_work():
    result = parse_csv(io.BytesIO(b"ott_id\nU1\nU2\nx\xffy\n"), "line")
    assert result.error == "The file is not UTF-8 text (line 4 cannot be read). Save it as UTF-8."
    assert parse_csv(io.BytesIO(b"ott_id\rU1\rU2\r"), "line").valid == [("U1", ""), ("U2", "")]


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
