"""Every URL in the URL conf, with sample arguments, so tests cannot forget a new page."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, UUIDConverter
from django.urls.resolvers import RoutePattern

SAMPLE_UUID = uuid.UUID("00000000-0000-4000-8000-000000000001")


def _sample_kwargs(pattern) -> dict[str, object]:
    if isinstance(pattern, RoutePattern):
        kwargs = {}
        for name, converter in pattern.converters.items():
            if isinstance(converter, IntConverter):
                kwargs[name] = 1
            elif isinstance(converter, UUIDConverter):
                kwargs[name] = SAMPLE_UUID
            else:
                kwargs[name] = next(v for v in ("sample", ".json", "json") if re.fullmatch(converter.regex, v))
        return kwargs
    return {name: "json" if name == "format" else "1" for name in re.compile(pattern.regex.pattern).groupindex}


def iter_urls(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Yield (path, view name) for every pattern, with sample values filled in."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from iter_urls(entry, prefix + _literal(entry.pattern, _sample_kwargs(entry.pattern)))
        elif isinstance(entry, URLPattern):
            path = prefix + _literal(entry.pattern, _sample_kwargs(entry.pattern))
            if path is not None:
                yield "/" + path, entry.name or entry.lookup_str


def _literal(pattern, kwargs) -> str:
    if isinstance(pattern, RoutePattern):
        route = str(pattern)
        for name, value in kwargs.items():
            route = re.sub(rf"<(?:\w+:)?{name}>", str(value), route)
        return route
    regex = pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\.", ".")
    regex = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs.get(m.group(1), "1")), regex)
    regex = re.sub(r"\((?:\?:)?([^|)]*)(?:\|[^)]*)?\)\??", r"\1", regex)  # first alternative of a group
    return regex.replace("\\", "").replace("?", "")
