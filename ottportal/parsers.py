"""The API's JSON parser: refuses text that cannot be stored, with a 400 naming where it is."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from ott.text import PROBLEM, unsafe_path


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if where := unsafe_path(data):
            raise ParseError(f"{where}: text {PROBLEM}.")
        return data
