"""The API's JSON parser: refuses text that cannot be stored, with a 400 naming where it is, and
JSON nested too deep to decode, with a 400 instead of a crash."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from ott.text import DEPTH_PROBLEM, PROBLEM, unsafe_path


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:  # thousands of nested levels: the JSON decoder itself gives up
            raise ParseError(f"JSON parse error - the body {DEPTH_PROBLEM}.") from exc
        if where := unsafe_path(data):
            raise ParseError(f"{where}: text {PROBLEM}.")
        return data
