"""How many hostile inputs each surface was sent, and how many server errors came back.

The totals are printed at the end of the run (conftest's terminal summary) for the
issue's closing note. Hypothesis replays an example while it shrinks a failure, so a
failing run counts some inputs (and errors) more than once.
"""

from collections import Counter
from collections.abc import Callable

from django.http import HttpResponse

INPUTS: Counter[str] = Counter()
SERVER_ERRORS: Counter[str] = Counter()


def send(surface: str, request: Callable[[], HttpResponse], inputs: int = 1) -> HttpResponse:
    """Make one request carrying `inputs` hostile values; a 5xx or an exception is counted."""
    INPUTS[surface] += inputs
    try:
        response = request()
    except Exception:
        SERVER_ERRORS[surface] += 1
        raise
    if response.status_code >= 500:
        SERVER_ERRORS[surface] += 1
    return response


def count(surface: str, inputs: int = 1) -> None:
    """Hostile values tried without a request (mail built from stored values)."""
    INPUTS[surface] += inputs


def summary_lines() -> list[str]:
    width = max(map(len, INPUTS), default=0)
    lines = [
        f"{name:<{width}}  {INPUTS[name]:>6} inputs  {SERVER_ERRORS[name]:>3} server errors"
        for name in sorted(INPUTS)
    ]
    lines.append(
        f"{'total':<{width}}  {sum(INPUTS.values()):>6} inputs  "
        f"{sum(SERVER_ERRORS.values()):>3} server errors"
    )
    return lines
