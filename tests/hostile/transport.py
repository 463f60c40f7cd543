"""Putting hostile strings on the wire as a client could, and what the server then reads.

A form or a query string carries bytes: strings are sent as UTF-8, with lone
surrogates as the bytes a careless encoder writes for them (surrogatepass), which
the server's UTF-8 decoder replaces. JSON carries them as \\ud800 escapes.
"""

import json
from collections.abc import Iterable, Mapping
from urllib.parse import quote

FORM = "application/x-www-form-urlencoded"


def wire(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


def received(value: str) -> str:
    """The string Django reads from a form field or query parameter that carried `value`."""
    return wire(value).decode("utf-8", "replace")


def _pairs(data: Mapping[str, str | Iterable[str]]) -> Iterable[tuple[str, str]]:
    for name, value in data.items():
        if isinstance(value, str):
            yield name, value
        else:
            for item in value:
                yield name, item


def encode(data: Mapping[str, str | Iterable[str]]) -> str:
    """application/x-www-form-urlencoded text of `data` (lists repeat the name)."""
    return "&".join(
        f"{quote(wire(name), safe='')}={quote(wire(value), safe='')}"
        for name, value in _pairs(data)
    )


def post_form(client, path: str, data: Mapping[str, str | Iterable[str]], **extra):
    return client.post(path, encode(data), content_type=FORM, **extra)


def get_query(client, path: str, data: Mapping[str, str | Iterable[str]], **extra):
    return client.get(path, QUERY_STRING=encode(data), **extra)


def json_body(data: object) -> str:
    """JSON text, lone surrogates written as escapes (ensure_ascii) as a client library would."""
    return json.dumps(data, ensure_ascii=True)
