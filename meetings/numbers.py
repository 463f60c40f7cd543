"""Whole numbers typed by people: page numbers, years, days, ordinals.

One reading for every numeric parameter and cell. `str.isdigit()` and `int()` accept
more than a person means: "²" passes isdigit() and then fails int(); int() also takes
"١٢" (Arabic-Indic digits), "1_000" and surrounding spaces, and refuses strings of more
than 4,300 digits with an error of its own. Only ASCII digits are read here, and a
number is never converted when it has more digits than its upper bound.
"""

import re

DIGITS = re.compile(r"[0-9]+")


def whole_number(text: str, *, low: int = 0, high: int) -> int | None:
    """`text` (trimmed) as a whole number from `low` to `high`, or None if it is not one."""
    text = text.strip()
    digits = text.lstrip("0") or "0"
    if not DIGITS.fullmatch(text) or len(digits) > len(str(high)):
        return None
    value = int(digits)
    return value if low <= value <= high else None
