from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent / "examples"


def example(name: str) -> dict:
    """A request body from ott-v1-send.txt, as published."""
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def valid_body(network: str = "line", **changes) -> dict:
    body = copy.deepcopy(example(f"{network}-text"))
    body.update(changes)
    return body


@pytest.fixture
def line_body() -> dict:
    return valid_body("line")


@pytest.fixture
def messenger_body() -> dict:
    return valid_body("messenger")
