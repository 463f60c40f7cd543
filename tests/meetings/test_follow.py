"""Follow by e-mail: double opt-in, the signed links, dispatch, digests, one-click
unsubscribe, throttling, hostile addresses, and the address kept out of public view.

Mail is Django's locmem outbox; Celery runs eagerly; the clock is frozen (frozen_now)
and moved by hand. Changes are made through the services, as staff make them.
"""

import datetime as dt
import re
import smtplib

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.test import Client

from aseancal.celery import app as celery_app
from meetings import follow, services, tasks
from meetings.models import Event, FollowMail, Subscription
from meetings.models.follow import FollowFrequency, FollowMailStatus
from tests.conftest import TODAY, eager_tasks
from tests.factories import FormatFactory, MeetingFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)
# Past the settle time: a pass then sees entries made before.
SETTLED = dt.timedelta(seconds=settings.FOLLOW_SETTLE_SECONDS + 1)
CHECK_INBOX = "Check your inbox"


class FailingBackend(LocmemBackend):
    """A mail server that drops the connection."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture(autouse=True)
def eager_celery():
    with eager_tasks(propagate=True):
        yield


@pytest.fixture
def calendar(frozen_now):
    """An AMM hosted by Cambodia and an EAS hosted by Laos, published a minute ago."""
    amm, eas = FormatFactory(code="AMM"), FormatFactory(code="EAS")
    kh = ParticipantFactory(code="KH", name="Cambodia")
    la = ParticipantFactory(code="LA", name="Laos")
    meetings = {
        "amm": MeetingFactory(format=amm, host=kh, title="58th AMM"),
        "eas": MeetingFactory(format=eas, host=la, title="20th EAS"),
    }
    frozen_now.shift(MINUTE)
    return meetings


def post_follow(client, query: str, email: str, frequency: str = "immediate", **extra):
    """Ask to follow `query`; the confirmation is sent when the request commits."""
    return client.post(f"/follow/?{query}", {"email": email, "frequency": frequency}, **extra)


def run(django_capture_on_commit_callbacks, work):
    """Run `work` and what it hands to the workers after commit (eager Celery)."""
    with django_capture_on_commit_callbacks(execute=True):
        return work()


def link(message, name: str) -> str:
    """The path of the first /follow/<name>/ link in a mail's text."""
    found = re.search(rf"{re.escape(settings.SITE_URL)}(/follow/{name}/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def subscribed(client, capture, query: str, email: str, frequency: str = "immediate"):
    """A confirmed subscription to `query`, its mails so far cleared."""
    with capture(execute=True):
        post_follow(client, query, email, frequency)
    confirm = link(mail.outbox[-1], "confirm")
    assert client.post(confirm).status_code == 200
    mail.outbox.clear()
    return Subscription.objects.get(email=email, query=query)


def dispatch(capture, frozen_now) -> int:
    frozen_now.shift(SETTLED)
    return run(capture, follow.follow_pass)["queued"]


# -- the form -----------------------------------------------------------------------------


def test_follow_page_describes_the_filter_and_offers_the_form(client, calendar):
    response = client.get("/follow/?format=amm&page=3")

    assert response.status_code == 200
    assert (response.context["target"].query, response.context["target"].label) == (
        "format=AMM",
        "ASEAN meetings: AMM",
    )
    assert "<strong>ASEAN meetings: AMM</strong>" in response.text
    assert '<label for="id_email">Your e-mail address</label>' in response.text
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_follow_page_with_a_bad_filter_is_a_400_naming_it(client, calendar):
    response = client.get("/follow/?format=NOPE")

    assert response.status_code == 400
    assert [name for name, _ in response.context["errors"]] == ["format"]
    assert "The filter <code>format</code>" in response.text
    assert "form" not in response.context


def test_follow_page_of_an_unknown_event_is_a_400_naming_it(client, calendar):
    response = client.get("/follow/?event=no-such-event")

    assert response.status_code == 400
    assert response.context["errors"] == [("event", ["No published event has this address."])]


def test_follow_links_on_pages_carry_the_page_filter(client, calendar):
    event = Event.objects.create(
        title="59th AMM/PMC",
        slug="2026-amm-pmc",
        start_date=dt.date(2030, 8, 1),
        end_date=dt.date(2030, 8, 5),
    )
    pages = {
        "/formats/AMM/": "/follow/?format=AMM",
        "/countries/kh/": "/follow/?country=KH",
        "/meetings/?format=EAS&status=scheduled": "/follow/?format=EAS&amp;status=scheduled",
        f"/events/{event.slug}/": f"/follow/?event={event.slug}",
        "/meetings/": "/follow/",
    }
    found = {}
    for path in pages:
        text = client.get(path).text
        hrefs = re.findall(
            r'<p class="subscribe-follow"><a href="([^"]*)">Follow by e-mail</a>', text
        )
        found[path] = hrefs[0] if hrefs else None

    assert found == pages


# -- double opt-in ------------------------------------------------------------------------


def test_asking_sends_only_the_confirmation_until_it_is_used(
    client, calendar, frozen_now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_follow(client, "format=AMM", "Reporter@Example.org")
    subscription = Subscription.objects.get()
    (confirmation,) = mail.outbox

    assert (response.status_code, response.context["title"]) == (200, CHECK_INBOX)
    assert (subscription.email, subscription.query, subscription.label) == (
        "reporter@example.org",
        "format=AMM",
        "ASEAN meetings: AMM",
    )
    assert (subscription.confirmed_at, subscription.frequency) == (None, "immediate")
    assert confirmation.to == ["reporter@example.org"]
    assert confirmation.subject == "Please confirm: follow ASEAN meetings: AMM by e-mail"

    # A change before the link is used: nothing goes to the unconfirmed address.
    services.meeting_cancel(meeting=calendar["amm"], by=None, reason="Typhoon")
    assert dispatch(django_capture_on_commit_callbacks, frozen_now) == 0
    assert len(mail.outbox) == 1

    confirm = link(confirmation, "confirm")
    shown = client.get(confirm)
    confirmed = client.post(confirm)
    subscription.refresh_from_db()

    assert (shown.status_code, shown.context["subscription"].pk) == (200, subscription.pk)
    assert (confirmed.status_code, confirmed.context["title"]) == (200, "Subscription confirmed")
    assert subscription.confirmed_at == TODAY + MINUTE + SETTLED
    # The cancellation came before the confirmation: it is not mailed afterwards either.
    assert dispatch(django_capture_on_commit_callbacks, frozen_now) == 0
    assert len(mail.outbox) == 1


def test_a_confirmation_link_works_once(client, calendar, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_follow(client, "format=AMM", "reporter@example.org")
    confirm = link(mail.outbox[0], "confirm")

    first, again, shown_again = client.post(confirm), client.post(confirm), client.get(confirm)

    assert first.status_code == 200
    assert (again.status_code, again.context["title"]) == (410, "This link has already been used")
    assert (shown_again.status_code, shown_again.context["title"]) == (
        410,
        "This link has already been used",
    )


def test_forged_and_tampered_links_are_refused_clearly(
    client, calendar, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_follow(client, "format=AMM", "reporter@example.org")
    confirm = link(mail.outbox[0], "confirm")
    unsubscribe = link(mail.outbox[0], "unsubscribe")
    token = confirm.split("/")[3]
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    # A manage token where a confirmation is expected, and the other way round.
    manage_token = unsubscribe.split("/")[3]

    answers = {
        path: (response.status_code, response.context["title"])
        for path in (
            "/follow/confirm/not-a-token/",
            f"/follow/confirm/{tampered}/",
            f"/follow/confirm/{manage_token}/",
            f"/follow/unsubscribe/{token}/",
            f"/follow/manage/{'x' * 400}/",
        )
        for response in [client.post(path)]
    }

    assert set(answers.values()) == {(400, "This link is not valid")}
    assert Subscription.objects.get().confirmed_at is None


def test_an_expired_confirmation_link_is_refused(
    client, calendar, frozen_now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_follow(client, "format=AMM", "reporter@example.org")
    frozen_now.shift(dt.timedelta(seconds=settings.FOLLOW_CONFIRM_MAX_AGE + 1))

    response = client.post(link(mail.outbox[0], "confirm"))

    assert (response.status_code, response.context["title"]) == (410, "This link has expired")
    assert Subscription.objects.get().confirmed_at is None


def test_following_again_after_unsubscribing_revokes_the_old_links(
    client, calendar, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    subscription = subscribed(client, capture, "format=AMM", "reporter@example.org")
    old_unsubscribe = f"/follow/unsubscribe/{follow.manage_token(subscription)}/"
    client.post(old_unsubscribe)
    with capture(execute=True):
        post_follow(client, "format=AMM", "reporter@example.org", "daily")
    subscription.refresh_from_db()

    refused = client.post(old_unsubscribe)
    assert (refused.status_code, refused.context["title"]) == (410, "This link is no longer valid")
    assert (subscription.confirmed_at, subscription.unsubscribed_at) == (None, None)
    assert (subscription.frequency, subscription.token_version) == ("daily", 1)
    assert client.post(link(mail.outbox[-1], "confirm")).status_code == 200


# -- immediate mails ----------------------------------------------------------------------


def test_a_cancellation_reaches_each_subscriber_once_with_its_reason(
    client, calendar, frozen_now, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    subscribed(client, capture, "format=AMM", "one@example.org")
    subscribed(Client(REMOTE_ADDR="10.0.0.2"), capture, "format=AMM", "two@example.org")
    frozen_now.shift(MINUTE)
    services.meeting_cancel(meeting=calendar["amm"], by=None, reason="Typhoon Yagi")

    queued = dispatch(capture, frozen_now)
    again = dispatch(capture, frozen_now)
    frozen_now.shift(dt.timedelta(days=1))
    later = dispatch(capture, frozen_now)

    # Even a pass that reads the same entries again (its cursors moved back) adds no mail.
    Subscription.objects.update(cursor=TODAY)
    replayed = dispatch(capture, frozen_now)

    assert (queued, again, later, replayed) == (2, 0, 0, 2)
    assert FollowMail.objects.filter(kind="change").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["one@example.org", "two@example.org"]
    message = mail.outbox[0]
    assert message.subject == "58th AMM: Cancelled"
    assert "58th AMM: Cancelled\n  Status: Scheduled -> Cancelled\n  Reason: Typhoon Yagi\n" in (
        message.body
    )
    html = message.alternatives[0][0]
    assert '<p style="margin-top: 0.25em;">Reason: Typhoon Yagi</p>' in html
    keys = set(FollowMail.objects.filter(kind="change").values_list("key", "status"))
    ((key, status),) = keys
    assert (key[:8], status) == ("change-m", "sent")


def test_a_filter_receives_only_its_changes(
    client, calendar, frozen_now, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    subscribed(client, capture, "format=AMM", "amm@example.org")
    subscribed(client, capture, "format=EAS", "eas@example.org")
    subscribed(client, capture, "country=KH", "kh@example.org")
    subscribed(client, capture, "", "all@example.org")
    frozen_now.shift(MINUTE)
    services.meeting_cancel(meeting=calendar["amm"], by=None, reason="Typhoon")

    dispatch(capture, frozen_now)

    assert sorted(m.to[0] for m in mail.outbox) == [
        "all@example.org",
        "amm@example.org",
        "kh@example.org",
    ]
    assert {m.subject for m in mail.outbox} == {"58th AMM: Cancelled"}


def test_an_event_subscription_receives_its_meetings_changes(
    client, calendar, frozen_now, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    event = Event.objects.create(
        title="59th AMM/PMC",
        slug="2030-amm-pmc",
        start_date=dt.date(2030, 8, 1),
        end_date=dt.date(2030, 8, 5),
    )
    calendar["amm"].event = event
    services.meeting_save(meeting=calendar["amm"], by=None, reason="Part of the event")
    with capture(execute=True):
        post_follow(client, f"event={event.slug}", "event@example.org")
    client.post(link(mail.outbox[-1], "confirm"))
    mail.outbox.clear()
    frozen_now.shift(MINUTE)
    services.meeting_cancel(meeting=calendar["eas"], by=None, reason="Elsewhere")
    services.meeting_postpone(meeting=calendar["amm"], by=None, reason="Elections")

    dispatch(capture, frozen_now)

    assert Subscription.objects.get().label == "Meetings of 59th AMM/PMC"
    assert [(m.to[0], m.subject) for m in mail.outbox] == [
        ("event@example.org", "58th AMM: Postponed")
    ]


# -- daily digests ------------------------------------------------------------------------


def test_a_daily_digest_groups_the_days_changes_in_one_mail(
    client, calendar, frozen_now, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    subscribed(client, capture, "", "daily@example.org", "daily")
    frozen_now.shift(MINUTE)
    services.meeting_cancel(meeting=calendar["amm"], by=None, reason="Typhoon")
    frozen_now.shift(dt.timedelta(hours=2))
    services.meeting_postpone(meeting=calendar["eas"], by=None, reason="Elections")
    # The immediate pass leaves daily subscribers alone.
    immediate = dispatch(capture, frozen_now)

    frozen_now.move_to(dt.datetime(2026, 11, 3, 6, 0, tzinfo=dt.UTC))
    first = run(capture, follow.follow_digests)
    second = run(capture, follow.follow_digests)

    assert (immediate, first, second) == (0, 1, 0)
    (digest,) = mail.outbox
    assert digest.to == ["daily@example.org"]
    assert digest.subject == "2 changes to ASEAN meetings on 2026-11-03"
    assert digest.body.index("58th AMM: Cancelled") < digest.body.index("20th EAS: Postponed")
    assert "  Reason: Typhoon\n" in digest.body
    assert "  Reason: Elections\n" in digest.body
    assert FollowMail.objects.get(kind="digest").key == "digest-2026-11-03"

    # A day without changes: no digest.
    frozen_now.move_to(dt.datetime(2026, 11, 4, 6, 0, tzinfo=dt.UTC))
    assert run(capture, follow.follow_digests) == 0
    assert len(mail.outbox) == 1


# -- one-click unsubscribe and the manage page ----------------------------------------------


def test_every_mail_carries_one_click_unsubscribe_headers(
    client, calendar, frozen_now, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        post_follow(client, "format=AMM", "reporter@example.org")
    confirmation = mail.outbox[0]
    subscription = Subscription.objects.get()
    client.post(link(confirmation, "confirm"))
    frozen_now.shift(MINUTE)
    services.meeting_cancel(meeting=calendar["amm"], by=None, reason="Typhoon")
    dispatch(capture, frozen_now)
    change = mail.outbox[1]
    expected = f"<{settings.SITE_URL}/follow/unsubscribe/{follow.manage_token(subscription)}/>"

    for message in (confirmation, change):
        assert message.extra_headers["List-Unsubscribe"] == expected
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    row = FollowMail.objects.get(kind="change")
    assert change.extra_headers["Message-ID"] == (
        f"<follow-{row.pk}-{row.key}@{settings.SITE_DOMAIN}>"
    )


def test_a_one_click_post_unsubscribes_without_csrf_token_or_login(
    client, calendar, frozen_now, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    subscription = subscribed(client, capture, "format=AMM", "reporter@example.org")
    url = f"/follow/unsubscribe/{follow.manage_token(subscription)}/"
    mail_reader = Client(enforce_csrf_checks=True)

    shown = mail_reader.get(url)
    response = mail_reader.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    repeated = mail_reader.post(url, "List-Unsubscribe=One-Click", content_type="text/plain")
    subscription.refresh_from_db()
    frozen_now.shift(MINUTE)
    services.meeting_cancel(meeting=calendar["amm"], by=None, reason="Typhoon")

    assert (shown.status_code, b'<button type="submit">Unsubscribe</button>' in shown.content) == (
        200,
        True,
    )
    assert subscription.unsubscribed_at == TODAY + MINUTE
    assert (response.status_code, response.context["title"]) == (200, "You are unsubscribed")
    assert (repeated.status_code, repeated.context["title"]) == (200, "You are unsubscribed")
    assert dispatch(capture, frozen_now) == 0
    assert mail.outbox == []


def test_the_manage_page_changes_the_frequency(
    client, calendar, django_capture_on_commit_callbacks
):
    subscription = subscribed(
        client, django_capture_on_commit_callbacks, "format=AMM", "reporter@example.org"
    )
    url = f"/follow/manage/{follow.manage_token(subscription)}/"

    shown = client.get(url)
    saved = client.post(url, {"frequency": "daily"})
    after = client.get(saved["Location"])
    bad = client.post(url, {"frequency": "hourly"})
    subscription.refresh_from_db()

    assert (shown.status_code, shown.context["form"].initial) == (200, {"frequency": "immediate"})
    assert (saved.status_code, saved["Location"]) == (303, f"{url}?saved=1")
    assert '<p class="notice notice-ok" role="status">Saved: one daily digest.</p>' in after.text
    assert (bad.status_code, list(bad.context["form"].errors)) == (400, ["frequency"])
    assert subscription.frequency == FollowFrequency.DAILY


# -- re-subscribing, throttling, hostile addresses --------------------------------------------


def test_following_again_creates_no_duplicate_and_reveals_nothing(
    client, calendar, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    subscribed(client, capture, "format=AMM", "known@example.org")
    with capture(execute=True):
        known = post_follow(client, "format=AMM", "KNOWN@example.org", "daily")
        unknown = post_follow(client, "format=AMM", "unknown@example.org", "daily")

    assert (known.status_code, unknown.status_code) == (200, 200)
    assert known.content == unknown.content
    assert Subscription.objects.filter(email="known@example.org").count() == 1
    known_row = Subscription.objects.get(email="known@example.org")
    # A confirmed subscription keeps its frequency: only its own links change it.
    assert (known_row.frequency, known_row.confirmations) == ("immediate", 2)
    assert sorted(m.to[0] for m in mail.outbox) == ["known@example.org", "unknown@example.org"]


def test_too_many_requests_for_one_address_are_a_429_writing_nothing(
    client, calendar, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        allowed = [
            post_follow(Client(REMOTE_ADDR=f"10.0.0.{n}"), q, "target@example.org").status_code
            for n, q in enumerate(["format=AMM", "format=EAS", "country=KH"], start=1)
        ]
        refused = post_follow(Client(REMOTE_ADDR="10.0.0.9"), "host=LA", "target@example.org")

    assert allowed == [200, 200, 200]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert refused.context["title"] == "Too many requests"
    assert "too many requests to follow, for this address or from your network" in refused.text
    assert (Subscription.objects.count(), FollowMail.objects.count(), len(mail.outbox)) == (3, 3, 3)


def test_too_many_requests_from_one_client_are_a_429_writing_nothing(
    calendar, frozen_now, django_capture_on_commit_callbacks
):
    flood = Client(REMOTE_ADDR="203.0.113.7")
    with django_capture_on_commit_callbacks(execute=True):
        allowed = [
            post_follow(flood, "format=AMM", f"r{n}@example.org").status_code
            for n in range(settings.FOLLOW_MAX_PER_CLIENT)
        ]
        refused = post_follow(flood, "format=AMM", "one-more@example.org")
        other = post_follow(Client(REMOTE_ADDR="198.51.100.1"), "format=AMM", "x@example.org")
    frozen_now.shift(dt.timedelta(hours=1, seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        an_hour_later = post_follow(flood, "format=AMM", "one-more@example.org")

    assert allowed == [200] * settings.FOLLOW_MAX_PER_CLIENT
    assert (refused.status_code, refused.context["title"]) == (429, "Too many requests")
    assert "too many requests to follow, for this address or from your network" in refused.text
    assert (other.status_code, an_hour_later.status_code) == (200, 200)
    assert len(mail.outbox) == settings.FOLLOW_MAX_PER_CLIENT + 2
    assert FollowMail.objects.filter(client="").count() == 0
    # The client is counted by a keyed digest, never by its address.
    assert not FollowMail.objects.filter(client__contains="203.0.113.7").exists()


ONE_LINE = "An e-mail address is one line of text: remove the line breaks and control characters."
ASCII = (
    "Enter the address in plain Latin letters and digits. For an international domain name, "
    "use its xn-- form."
)
INVALID = "Enter a valid e-mail address, such as name@example.org."


@pytest.mark.parametrize(
    ("address", "error"),
    [
        ("reporter@example.org\r\nBcc: everyone@example.org", ONE_LINE),
        ("reporter@example.org\nSubject: hi", ONE_LINE),
        ("reporter@exam\x00ple.org", "Null characters are not allowed."),
        ("reporter\u200b@example.org", ONE_LINE),  # an invisible space
        ("reporter@example.org\u202e", ONE_LINE),  # right-to-left override
        ("rep\u043erter@example.org", ASCII),  # Cyrillic o
        ("reporter@ex\u0430mple.org", ASCII),  # Cyrillic a in the domain
        ("ｒeporter@example.org", ASCII),  # fullwidth r
        ("reporter", INVALID),
        ("reporter@", INVALID),
        ("<script>@example.org", INVALID),
        ("a@b", INVALID),
        ("r" * 245 + "@example.org", "Ensure this value has at most 254 characters (it has 257)."),
        ("", "This field is required."),
        ("   ", "This field is required."),
    ],
)
def test_hostile_addresses_get_a_form_error_and_nothing_is_written(
    client, calendar, address, error, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_follow(client, "format=AMM", address)

    assert response.status_code == 400
    assert response.context["form"].errors == {"email": [error]}
    assert 'role="alert" id="follow-errors"' in response.text
    assert '<a href="#id_email">Your e-mail address: ' in response.text
    assert 'aria-invalid="true"' in response.text
    assert (Subscription.objects.count(), FollowMail.objects.count(), mail.outbox) == (0, 0, [])


def test_a_bad_frequency_is_a_form_error(client, calendar):
    response = post_follow(client, "format=AMM", "reporter@example.org", "hourly")

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["frequency"]
    assert Subscription.objects.count() == 0


# -- the address stays private ----------------------------------------------------------------


def test_the_address_appears_on_no_public_page_feed_or_api(
    client, calendar, frozen_now, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    address = "secret.source@example.org"
    subscribed(client, capture, "format=AMM", address)
    frozen_now.shift(MINUTE)
    services.meeting_cancel(meeting=calendar["amm"], by=None, reason="Typhoon")
    dispatch(capture, frozen_now)
    paths = [
        "/",
        "/meetings/",
        "/formats/AMM/",
        "/countries/KH/",
        f"/meetings/{calendar['amm'].slug}/",
        "/changes/",
        "/feeds/changes.atom",
        "/feeds/meetings.ics?format=AMM",
        "/api/v1/meetings/",
        f"/api/v1/meetings/{calendar['amm'].slug}/",
        "/search/?q=secret",
        "/follow/?format=AMM",
    ]

    statuses = {}
    for path in paths:
        response = client.get(path)
        body = b"".join(response) if response.streaming else response.content
        statuses[path] = (response.status_code, address.encode() in body, b"secret.source" in body)

    assert len(mail.outbox) == 1
    assert statuses == dict.fromkeys(paths, (200, False, False))


# -- the outbox -------------------------------------------------------------------------------


def test_a_failed_send_is_queued_again_with_a_delay(
    client, calendar, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.meetings.test_follow.FailingBackend"
    with eager_tasks(propagate=False), django_capture_on_commit_callbacks(execute=True):
        post_follow(client, "format=AMM", "reporter@example.org")
    row = FollowMail.objects.get()

    assert (row.status, row.attempts, row.last_error) == (
        "failed",
        settings.REMINDER_MAX_ATTEMPTS,
        "SMTPServerDisconnected: Connection unexpectedly closed",
    )


def test_a_single_failure_leaves_the_row_queued_for_a_retry(calendar, settings):
    settings.EMAIL_BACKEND = "tests.meetings.test_follow.FailingBackend"
    subscription = follow.subscription_request(
        email="r@example.org",
        query="",
        event=None,
        label="ASEAN meetings",
        frequency="daily",
        client="c",
    )
    row = subscription.mails.get()

    result = follow.follow_mail_send(mail_id=row.pk)
    row.refresh_from_db()

    assert (result.outcome, result.retry_in) == ("retry", 60)
    assert (row.status, row.attempts, row.claimed_at) == ("queued", 1, None)
    assert row.enqueued_at == TODAY + MINUTE + dt.timedelta(seconds=60)


def test_the_sweeper_requeues_a_row_whose_worker_was_lost(calendar, frozen_now):
    subscription = follow.subscription_request(
        email="r@example.org",
        query="",
        event=None,
        label="ASEAN meetings",
        frequency="daily",
        client="c",
    )
    row = subscription.mails.get()
    FollowMail.objects.filter(pk=row.pk).update(
        status=FollowMailStatus.SENDING, claimed_at=TODAY, attempts=1
    )
    frozen_now.shift(dt.timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT + 1))

    swept = follow.follow_sweep()
    result = follow.follow_mail_send(mail_id=row.pk)
    again = follow.follow_mail_send(mail_id=row.pk)

    assert swept == {"requeued": [row.pk], "republished": [], "failed": []}
    assert (result.outcome, again.outcome) == ("sent", "busy")
    (message,) = mail.outbox
    assert (
        message.extra_headers["Message-ID"] == f"<follow-{row.pk}-confirm-1@{settings.SITE_DOMAIN}>"
    )


def test_a_mail_to_an_address_that_unsubscribed_meanwhile_is_skipped(calendar):
    subscription = follow.subscription_request(
        email="r@example.org",
        query="",
        event=None,
        label="ASEAN meetings",
        frequency="daily",
        client="c",
    )
    row = subscription.mails.get()
    Subscription.objects.filter(pk=subscription.pk).update(unsubscribed_at=TODAY)

    result = follow.follow_mail_send(mail_id=row.pk)
    row.refresh_from_db()

    assert (result.outcome, row.status, row.skip_reason, mail.outbox) == (
        "skipped",
        "skipped",
        "Unsubscribed",
        [],
    )


def test_follow_tasks_are_registered_and_scheduled():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    follow_tasks = {
        "meetings.tasks.follow_dispatch",
        "meetings.tasks.follow_digests",
        "meetings.tasks.send_follow_mail",
    }

    assert follow_tasks <= set(celery_app.tasks)
    assert {"meetings.tasks.follow_dispatch", "meetings.tasks.follow_digests"} <= scheduled
    task = tasks.send_follow_mail
    assert (task.acks_late, task.reject_on_worker_lost) == (True, True)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("post", "/follow/confirm/%00/", 400),
        ("get", "/follow/manage/%ED%A0%80/", 400),
        ("post", "/follow/unsubscribe/" + "a" * 5000 + "/", 400),
        ("post", "/follow/unsubscribe/eyJzIjoxLCJ2IjowLCJrIjoibSJ9:forged/", 400),
        ("get", "/follow/?event=%00", 400),
        ("get", "/follow/?event=" + "e" * 300, 400),
        ("get", "/follow/?format=%00", 400),
        ("get", "/follow/?country=%ED%A0%80", 400),
        ("post", "/follow/?q=" + "x" * 1200, 400),
        ("get", "/follow/?q=%E2%80%AEtyphoon", 200),
    ],
)
def test_hostile_links_and_filters_get_a_clear_answer_never_a_500(
    client, calendar, method, path, status
):
    if method == "post":
        response = client.post(path, {"email": "r@example.org", "frequency": "daily"})
    else:
        response = client.get(path)

    assert response.status_code == status
    assert (Subscription.objects.count(), FollowMail.objects.count()) == (0, 0)


def test_changes_made_together_are_mailed_in_the_order_they_happened(
    client, calendar, frozen_now, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    subscribed(client, capture, "format=AMM", "reporter@example.org")
    frozen_now.shift(MINUTE)
    amm = calendar["amm"]
    services.meeting_reschedule(meeting=amm, by=None, start=amm.start + DAY, end=amm.end + DAY)
    services.meeting_cancel(meeting=amm, by=None, reason="Typhoon")

    dispatch(capture, frozen_now)

    assert [m.subject for m in mail.outbox] == ["58th AMM: Rescheduled", "58th AMM: Cancelled"]
    assert list(FollowMail.objects.order_by("pk").values_list("key", flat=True)) == [
        "confirm-1",
        *(f"change-m{pk}" for pk in sorted(amm.history.values_list("history_id", flat=True))[-2:]),
    ]
