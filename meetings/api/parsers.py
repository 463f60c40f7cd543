"""Request bodies."""

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

LONE_SURROGATE = "A lone surrogate (U+D800-U+DFFF) is not a character: send the text as UTF-8."


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def _surrogate_errors(data: Any) -> dict[str, list[str]]:
    """Errors naming the fields that hold one, as a serializer names a bad field; a key that
    holds one cannot be echoed back, so it is reported without its name."""
    errors: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if _has_lone_surrogate(key):
                errors["non_field_errors"] = [f"A field name: {LONE_SURROGATE}"]
            elif _has_lone_surrogate(value):
                errors[key] = [LONE_SURROGATE]
    return errors or {"non_field_errors": [LONE_SURROGATE]}


class StrictJSONParser(JSONParser):
    """JSON whose strings are Unicode text. A lone surrogate escape (\\ud800) is valid JSON
    but no character: it could be neither stored nor echoed back in an error message."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:  # Python's decoder recurses once per nested [ or {
            raise ParseError("JSON parse error - nested too deeply.") from exc
        if _has_lone_surrogate(data):
            raise ParseError(_surrogate_errors(data))
        return data
