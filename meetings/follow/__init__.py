"""Follow by e-mail, without an account: a filter's changes mailed to a confirmed address.

A reader asks to follow a list's filter (or an umbrella event) from /follow/; a
confirmation mail is queued and nothing else reaches the address until its link is used.
Then each new change entry (meetings.changes) is mailed as it happens, or the day's in
one digest; every mail carries a manage link and a one-click unsubscribe (RFC 8058).

    tokens.py     the signed links: confirm, manage, unsubscribe
    subscribe.py  asking (throttled), confirming, frequency, unsubscribing
    dispatch.py   which new entries go to which subscriptions
    send.py       the outbox: hand-over, claim and send once, retries, the sweeper
    compose.py    the mail itself, with its List-Unsubscribe headers
    links.py      the /follow/ address for a page's feed

Nothing here imports meetings.tasks: rows reach the workers by task name.
"""

from .compose import follow_email, manage_url, unsubscribe_url
from .dispatch import follow_digests, follow_dispatch, follow_pass
from .links import follow_path
from .send import (
    SEND_FOLLOW_TASK,
    FollowResult,
    follow_enqueue,
    follow_mail_send,
    follow_sweep,
    publish_on_commit,
)
from .subscribe import (
    Throttled,
    client_digest,
    subscription_confirm,
    subscription_request,
    subscription_set_frequency,
    subscription_unsubscribe,
)
from .tokens import LinkRefused, confirm_token, confirming, manage_token, managing

__all__ = [
    "SEND_FOLLOW_TASK",
    "FollowResult",
    "LinkRefused",
    "Throttled",
    "client_digest",
    "confirm_token",
    "confirming",
    "follow_digests",
    "follow_dispatch",
    "follow_email",
    "follow_enqueue",
    "follow_mail_send",
    "follow_pass",
    "follow_path",
    "follow_sweep",
    "manage_token",
    "manage_url",
    "managing",
    "publish_on_commit",
    "subscription_confirm",
    "subscription_request",
    "subscription_set_frequency",
    "subscription_unsubscribe",
    "unsubscribe_url",
]
