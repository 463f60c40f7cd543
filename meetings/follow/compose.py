"""The mail of one outbox row: a confirmation request, one change, or a daily digest.

Every mail carries the subscription's own links and, for mail readers' unsubscribe
buttons, `List-Unsubscribe` with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
(RFC 8058): a POST to that address, without cookie or form token, ends the subscription.
Change entries are stored in the row when it is queued (meetings.follow.dispatch), so
a retry sends the same text whatever happened to the meeting since.
"""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from meetings.models import FollowMail, Subscription
from meetings.models.follow import FollowMailKind
from meetings.reminders.compose import subject_line

from .tokens import confirm_token, manage_token


def manage_url(subscription: Subscription) -> str:
    token = manage_token(subscription)
    return settings.SITE_URL + reverse("meetings:follow-manage", kwargs={"token": token})


def unsubscribe_url(subscription: Subscription) -> str:
    token = manage_token(subscription)
    return settings.SITE_URL + reverse("meetings:follow-unsubscribe", kwargs={"token": token})


def confirm_url(subscription: Subscription, number: int) -> str:
    token = confirm_token(subscription, number)
    return settings.SITE_URL + reverse("meetings:follow-confirm", kwargs={"token": token})


def _subject(mail: FollowMail, entries: list[dict]) -> str:
    if mail.kind == FollowMailKind.CONFIRM:
        return f"Please confirm: follow {mail.subscription.label} by e-mail"
    if mail.kind == FollowMailKind.CHANGE and entries:
        return entries[0]["title"]
    count = len(entries)
    day = mail.key.removeprefix("digest-")
    return f"{count} change{'s' if count != 1 else ''} to ASEAN meetings on {day}"


def follow_context(mail: FollowMail) -> dict[str, Any]:
    """What the mail templates show: the entries, the filter and the subscription's links."""
    subscription = mail.subscription
    context: dict[str, Any] = {
        "kind": mail.kind,
        "label": subscription.label,
        "entries": mail.content.get("entries", []),
        "frequency": subscription.get_frequency_display().lower(),
        "manage_url": manage_url(subscription),
        "unsubscribe_url": unsubscribe_url(subscription),
        "site_url": settings.SITE_URL,
        "already_confirmed": subscription.confirmed_at is not None,
    }
    if mail.kind == FollowMailKind.CONFIRM:
        number = int(mail.key.removeprefix("confirm-"))
        context["confirm_url"] = confirm_url(subscription, number)
        context["confirm_days"] = settings.FOLLOW_CONFIRM_MAX_AGE // 86400
    return context


def follow_email(mail: FollowMail) -> EmailMultiAlternatives:
    """The mail of one outbox row, text and HTML, with its one-click unsubscribe headers."""
    context = follow_context(mail)
    template = "confirm" if mail.kind == FollowMailKind.CONFIRM else "changes"
    message = EmailMultiAlternatives(
        subject=subject_line(_subject(mail, context["entries"])),
        body=render_to_string(f"meetings/mail/follow_{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.subscription.email],
        headers={
            "Message-ID": mail.message_id,
            "List-Id": f"aseancal changes <follow.{settings.SITE_DOMAIN}>",
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    message.attach_alternative(
        render_to_string(f"meetings/mail/follow_{template}.html", context), "text/html"
    )
    return message
