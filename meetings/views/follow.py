"""/follow/: follow a filter of the calendar by e-mail, without an account.

/follow/?<filter> asks for an address and a frequency and queues a confirmation mail
(double opt-in). The answer is the same whether or not the address already follows the
filter, so the form reveals nothing about anyone's subscriptions; too many requests
for one address or from one client are a 429 page, with nothing written.
/follow/confirm/<token>/, /follow/manage/<token>/ and /follow/unsubscribe/<token>/ are
the signed links of the mails. A link is confirmed by a button, not by opening it (mail
scanners open links); unsubscribing is a POST that needs no form token (RFC 8058
one-click, sent by mail readers), and is also a button on the page.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from aseancal.client_ip import client_ip
from meetings import follow, selectors
from meetings.feeds import feed_name
from meetings.filters import InvalidFilter, filter_params, filtered_meetings
from meetings.follow.forms import FollowForm, FrequencyForm
from meetings.models import Event, Subscription

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,120}")
QUERY_MAX = 1000
LABEL_MAX = 300
THROTTLE_RETRY_AFTER = 3600


@dataclass
class Target:
    """What a /follow/ request is about: a filter's normalised query, or an event."""

    query: str = ""
    event: Event | None = None
    label: str = ""
    errors: list[tuple[str, list[str]]] = field(default_factory=list)


def _target(request: HttpRequest) -> Target:
    slug = request.GET.get("event", "").strip()
    if slug:
        # Only a slug's shape reaches a query (PostgreSQL refuses a NUL outright).
        event = selectors.public_event(slug) if SLUG.fullmatch(slug) else None
        if event is None:
            return Target(errors=[("event", ["No published event has this address."])])
        return Target(event=event, label=f"Meetings of {event.title}"[:LABEL_MAX])
    params = filter_params(request.GET)
    query = urlencode(
        sorted((name, value) for name in params for value in set(params.getlist(name)))
    )
    if len(query) > QUERY_MAX:
        return Target(errors=[("filter", ["These filters are too long to follow by e-mail."])])
    try:
        filtered_meetings(params, selectors.public_meeting_rows())
    except InvalidFilter as exc:
        return Target(errors=sorted(exc.errors.items()))
    return Target(query=query, label=feed_name(params)[:LABEL_MAX])


def _message(
    request: HttpRequest, title: str, message: str, *, status: int = 200, **extra
) -> HttpResponse:
    context = {"title": title, "message": message, **extra}
    return render(request, "meetings/follow_message.html", context, status=status)


def _refused(request: HttpRequest, refused: follow.LinkRefused) -> HttpResponse:
    return _message(request, refused.title, refused.message, status=refused.status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow_page(request: HttpRequest) -> HttpResponse:
    """The form to follow the request's filter; a valid request queues a confirmation."""
    target = _target(request)
    context = {"target": target, "errors": target.errors}
    if target.errors:
        return render(request, "meetings/follow.html", context, status=400)
    if request.method != "POST":
        return render(request, "meetings/follow.html", context | {"form": FollowForm()})
    form = FollowForm(request.POST)
    if not form.is_valid():
        return render(request, "meetings/follow.html", context | {"form": form}, status=400)
    try:
        follow.subscription_request(
            email=form.cleaned_data["email"],
            query=target.query,
            event=target.event,
            label=target.label,
            frequency=form.cleaned_data["frequency"],
            client=follow.client_digest(client_ip(request)),
        )
    except follow.Throttled:
        # One text for both limits: it says nothing of what others asked for this address.
        response = _message(
            request,
            "Too many requests",
            "There were too many requests to follow, for this address or from your network, "
            "in the last hour. Please check your inbox (and spam folder) for the e-mails "
            "already sent, or try again in an hour.",
            status=429,
        )
        response["Retry-After"] = str(THROTTLE_RETRY_AFTER)
        return response
    return _message(
        request,
        "Check your inbox",
        f"If the address can receive mail, a message is on its way to it with a link to "
        f"confirm that you want to follow {target.label}. Nothing else is sent until the "
        f"link is used. The link works for {settings.FOLLOW_CONFIRM_MAX_AGE // 86400} days.",
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """A button confirming the subscription; the POST confirms it (once)."""
    if request.method != "POST":
        try:
            subscription, _ = follow.confirming(token)
        except follow.LinkRefused as refused:
            return _refused(request, refused)
        return render(request, "meetings/follow_confirm.html", {"subscription": subscription})
    with transaction.atomic():
        try:
            subscription, number = follow.confirming(token, lock=True)
        except follow.LinkRefused as refused:
            return _refused(request, refused)
        follow.subscription_confirm(subscription=subscription, number=number)
    return _message(
        request,
        "Subscription confirmed",
        f"You now follow {subscription.label}: "
        f"{subscription.get_frequency_display().lower()}. Every e-mail has a link to change "
        "this or to unsubscribe.",
        link=reverse("meetings:follow-manage", kwargs={"token": follow.manage_token(subscription)}),
        link_text="Manage this subscription",
    )


def _ended(request: HttpRequest, subscription: Subscription, *, status: int = 200) -> HttpResponse:
    again = reverse("meetings:follow")
    if subscription.event is not None:
        again += "?" + urlencode({"event": subscription.event.slug})
    elif subscription.query:
        again += "?" + subscription.query
    return _message(
        request,
        "You are unsubscribed",
        f"You no longer follow {subscription.label}; no more e-mails about it will be sent.",
        status=status,
        link=again,
        link_text="Follow it again",
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """The subscription's frequency, to change, and a button to unsubscribe."""
    with transaction.atomic():
        try:
            subscription = follow.managing(token, lock=request.method == "POST")
        except follow.LinkRefused as refused:
            return _refused(request, refused)
        if subscription.unsubscribed_at is not None:
            return _ended(request, subscription, status=410 if request.method == "POST" else 200)
        form = FrequencyForm(
            request.POST if request.method == "POST" else None,
            initial={"frequency": subscription.frequency},
        )
        if form.is_bound and form.is_valid():
            follow.subscription_set_frequency(
                subscription=subscription, frequency=form.cleaned_data["frequency"]
            )
            response = HttpResponseRedirect(f"{request.path}?saved=1")
            response.status_code = 303
            return response
    context = {
        "subscription": subscription,
        "form": form,
        "saved": request.GET.get("saved") == "1",
        "confirmed": subscription.confirmed_at is not None,
        "unsubscribe": reverse("meetings:follow-unsubscribe", kwargs={"token": token}),
    }
    return render(
        request, "meetings/follow_manage.html", context, status=400 if form.is_bound else 200
    )


@csrf_exempt  # RFC 8058: mail readers POST "List-Unsubscribe=One-Click" with no form token.
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """A button to unsubscribe; the POST (one click from a mail reader too) unsubscribes."""
    with transaction.atomic():
        try:
            subscription = follow.managing(token, lock=request.method == "POST")
        except follow.LinkRefused as refused:
            return _refused(request, refused)
        if request.method == "POST":
            follow.subscription_unsubscribe(subscription=subscription)
    if subscription.unsubscribed_at is not None:
        return _ended(request, subscription)
    return render(request, "meetings/follow_unsubscribe.html", {"subscription": subscription})
