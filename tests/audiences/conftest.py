from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


def csv_file(text: str | bytes, name: str = "audience.csv") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, "text/csv")


def binary(text: str | bytes) -> io.BytesIO:
    return io.BytesIO(text.encode() if isinstance(text, str) else text)


@pytest.fixture
def line_ids():
    """LINE user ids as LINE gives them: U and 32 hex digits."""
    return [f"U{n:032x}" for n in range(1, 50)]
