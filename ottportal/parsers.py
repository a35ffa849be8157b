"""The API's JSON parser: refuses text that cannot be stored, with a 400 naming where it is, and
JSON nested too deep to decode, with a 400 instead of a crash.

Text that cannot be stored (NUL, unpaired surrogates) can only reach a UTF-8 JSON body as a `\\u0000`
or `\\udXXX` escape (raw, the decoder refuses it), so a body without such an escape is not walked:
a send to 100,000 recipients would otherwise spend seconds building the path of every string."""

from __future__ import annotations

import io
import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding

from ott.text import DEPTH_PROBLEM, PROBLEM, unsafe_path

_MAY_BE_UNSAFE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as exc:  # thousands of nested levels: the JSON decoder itself gives up
            raise ParseError(f"JSON parse error - the body {DEPTH_PROBLEM}.") from exc
        utf8 = get_encoding(parser_context or {}).lower().replace("-", "") == "utf8"
        if (not utf8 or _MAY_BE_UNSAFE.search(raw)) and (where := unsafe_path(data)):
            raise ParseError(f"{where}: text {PROBLEM}.")
        return data
