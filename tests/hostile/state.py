"""The stored calendar as comparable values, to prove a refused request wrote nothing."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Max

from meetings.models import Delegation, Event, Format, Meeting, Participant, Reminder, Venue

MODELS = (Meeting, Delegation, Venue, Participant, Event, Format, Reminder)
# Columns that move without a write to the calendar (a login is not an edit).
VOLATILE = {"last_login"}


def calendar_state() -> dict[str, object]:
    """Every row of the calendar's models, the size and newest row of each history (it only
    grows), and the users."""
    state: dict[str, object] = {}
    for model in MODELS:
        state[model.__name__] = list(model.objects.order_by("pk").values())
        history = getattr(model, "history", None)
        if history is not None:
            state[f"{model.__name__} history"] = history.model.objects.aggregate(
                rows=Count("history_id"), newest=Max("history_id")
            )
    state["users"] = [
        {key: value for key, value in row.items() if key not in VOLATILE}
        for row in get_user_model().objects.order_by("pk").values()
    ]
    return state
