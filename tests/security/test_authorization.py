"""The authorization matrix: every model in the admin and every API write, for anonymous
visitors, viewers, editors and superusers.

Each cell's outcome is compared with an explicit table of what each group may do (the
groups and their permissions come from migrations 0002 and 0003), and every request a
user may not make must leave the database exactly as it was. The models and endpoints
are found by iterating the admin's registry and the API's URL patterns, so a new one
fails here until its row is added to the table.
"""

import datetime as dt
import functools
import hashlib
import itertools
import json

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from rest_framework.authtoken.models import Token, TokenProxy
from rest_framework.test import APIClient

from meetings.enums import AttendanceStatus, MeetingStatus
from meetings.models import (
    Chairmanship,
    CoordinatorTerm,
    Document,
    Event,
    Meeting,
    Reminder,
    ReminderSchedule,
)
from meetings.models.reminders import ReminderKind
from tests.factories import (
    DelegationFactory,
    FormatFactory,
    MeetingFactory,
    ParticipantFactory,
    VenueFactory,
)
from tests.meetings.api.expected import problem
from tests.security.conftest import make_staff

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "viewer", "editor", "superuser"]

# What each role may do with each model in the admin. Superusers may do everything the
# admin allows anyone; viewers only look; editors keep the calendar. OWN: staff manage
# their own authenticator devices and never see anyone else's.
ALL = frozenset({"view", "add", "change", "delete"})
VIEW = frozenset({"view"})
NOTHING = frozenset()
OWN = "own"
CALENDAR = {"viewer": VIEW, "editor": ALL, "superuser": ALL}
SUPERUSER_ONLY = {"viewer": NOTHING, "editor": NOTHING, "superuser": ALL}
# django-axes' records are written by logins, never added by hand.
AXES_RECORDS = {"viewer": NOTHING, "editor": NOTHING, "superuser": ALL - {"add"}}
ADMIN_PERMISSIONS = {
    "auth.group": SUPERUSER_ONLY,
    "auth.user": SUPERUSER_ONLY,
    "authtoken.tokenproxy": SUPERUSER_ONLY,
    "axes.accessattempt": AXES_RECORDS,
    "axes.accesslog": AXES_RECORDS,
    "axes.accessfailurelog": AXES_RECORDS,
    "meetings.participant": CALENDAR,
    "meetings.format": CALENDAR,
    "meetings.venue": CALENDAR,
    "meetings.event": CALENDAR,
    "meetings.chairmanship": CALENDAR,
    "meetings.coordinatorterm": CALENDAR,
    "meetings.meeting": CALENDAR,
    "meetings.delegation": CALENDAR,
    "meetings.document": CALENDAR,
    "meetings.reminderschedule": CALENDAR,
    # The outbox is read-only for everyone: mails are queued by actions, never edited.
    "meetings.reminder": {"viewer": VIEW, "editor": VIEW, "superuser": VIEW},
    "otp_totp.totpdevice": {"viewer": OWN, "editor": OWN, "superuser": ALL},
}
# Change forms whose every field is read-only: an empty POST is a complete, valid save
# (recorded in the admin's log).
READ_ONLY_FORMS = {"axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}
# DRF's token admin offers no bulk actions (its URLs use the user's id, not the key).
NO_BULK_ACTIONS = {"authtoken.tokenproxy"}

_serial = itertools.count(1)


def _participant():
    return ParticipantFactory()


def _reminder():
    return Reminder.objects.create(
        delegation=DelegationFactory(),
        kind=ReminderKind.MANUAL,
        step=f"manual-{next(_serial)}",
        due_at=dt.datetime(2030, 7, 1, tzinfo=dt.UTC),
    )


def _axes_fields() -> dict:
    return {
        "username": f"someone{next(_serial)}",
        "ip_address": "192.0.2.1",
        "user_agent": "probe",
        "http_accept": "text/html",
        "path_info": "/admin/login/",
    }


# One object of each model, standing alone (nothing depends on it, so it can be deleted).
OBJECTS = {
    "auth.group": lambda: Group.objects.create(name=f"Group {next(_serial)}"),
    "auth.user": lambda: get_user_model().objects.create(username=f"person{next(_serial)}"),
    "authtoken.tokenproxy": lambda: TokenProxy.objects.get(
        pk=Token.objects.create(
            user=get_user_model().objects.create(username=f"t{next(_serial)}")
        ).pk
    ),
    "axes.accessattempt": lambda: AccessAttempt.objects.create(
        **_axes_fields(), get_data="", post_data="", failures_since_start=1
    ),
    "axes.accesslog": lambda: AccessLog.objects.create(**_axes_fields()),
    "axes.accessfailurelog": lambda: AccessFailureLog.objects.create(
        **_axes_fields(), locked_out=False
    ),
    "meetings.participant": _participant,
    "meetings.format": lambda: FormatFactory(),
    "meetings.venue": lambda: VenueFactory(),
    "meetings.event": lambda: Event.objects.create(
        title="Summit week",
        slug=f"summit-week-{next(_serial)}",
        start_date=dt.date(2030, 8, 1),
        end_date=dt.date(2030, 8, 3),
    ),
    "meetings.chairmanship": lambda: Chairmanship.objects.create(
        year=2100 + next(_serial), participant=_participant()
    ),
    "meetings.coordinatorterm": lambda: CoordinatorTerm.objects.create(
        partner=_participant(), coordinator=_participant(), start=dt.date(2030, 1, 1)
    ),
    "meetings.meeting": lambda: MeetingFactory(),
    "meetings.delegation": lambda: DelegationFactory(),
    "meetings.document": lambda: Document.objects.create(
        meeting=MeetingFactory(),
        kind="agenda",
        title="Agenda",
        published_on=dt.date(2030, 8, 1),
        url="https://asean.org/agenda/",
    ),
    "meetings.reminderschedule": lambda: ReminderSchedule.objects.create(
        format=FormatFactory(), days_before="7, 1"
    ),
    "meetings.reminder": _reminder,
    # Someone else's device: for staff other than superusers it does not exist.
    "otp_totp.totpdevice": lambda: TOTPDevice.objects.create(
        user=get_user_model().objects.create(username=f"owner{next(_serial)}"), name="phone"
    ),
}


def registered_models() -> list[str]:
    return sorted(model._meta.label_lower for model in admin.site._registry)


def test_matrix_covers_every_model_in_the_admin():
    assert sorted(ADMIN_PERMISSIONS) == registered_models()
    assert sorted(OBJECTS) == registered_models()


# -- database fingerprint ------------------------------------------------------------------

# Sessions change with every login; nothing else may change unless the request was allowed.
UNWATCHED_TABLES = {"django_session"}


@functools.cache
def watched_tables() -> tuple[str, ...]:
    return tuple(
        table for table in connection.introspection.table_names() if table not in UNWATCHED_TABLES
    )


def database_state() -> dict[str, str]:
    """A digest of every table's rows."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One round trip for all tables: each row as text, in a stable order.
            digest = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            tables = watched_tables()
            selects = [f"SELECT %s, {digest} FROM {quote(name)} t" for name in tables]  # noqa: S608
            cursor.execute(" UNION ALL ".join(selects), tables)
            return dict(cursor.fetchall())
        state = {}
        for table in watched_tables():
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608
            rows = sorted(repr(row) for row in cursor.fetchall())
            state[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return state


def changed_tables(before: dict[str, str]) -> list[str]:
    after = database_state()
    return sorted(
        table for table in before.keys() | after.keys() if before.get(table) != after.get(table)
    )


def test_database_state_sees_any_change():
    group = Group.objects.create(name="Watchers")
    before = database_state()

    Group.objects.filter(pk=group.pk).update(name="Watchers!")

    assert changed_tables(before) == ["auth_group"]


# -- the admin -----------------------------------------------------------------------------

ADMIN_CELLS = [
    ("changelist", "GET"),
    ("changelist", "POST"),  # the bulk "delete selected" action on a second object
    ("add", "GET"),
    ("add", "POST"),  # an empty form
    ("change", "GET"),
    ("change", "POST"),  # an empty form
    ("history", "GET"),
    ("history", "POST"),
    ("delete", "GET"),
    ("delete", "POST"),  # confirmed
]


def expected_admin(model: str, role: str, page: str, method: str) -> tuple[str, bool]:
    """(what the response is, whether the database changes) for one cell."""
    if role == "anonymous":
        return "login", False
    may = ADMIN_PERMISSIONS[model][role]
    if may == OWN:
        # Their own devices are listed and added; someone else's does not exist for them.
        return {
            ("changelist", "GET"): ("shown", False),
            ("changelist", "POST"): ("listed", False),
            ("add", "GET"): ("shown", False),
            ("add", "POST"): ("form errors", False),
        }.get((page, method), ("hidden", False))
    needed = {
        ("changelist", "GET"): "view",
        ("changelist", "POST"): "view",
        ("add", "GET"): "add",
        ("add", "POST"): "add",
        ("change", "GET"): "view",
        ("change", "POST"): "change",
        ("history", "GET"): "view",
        ("history", "POST"): "view",
        ("delete", "GET"): "delete",
        ("delete", "POST"): "delete",
    }[page, method]
    if needed not in may:
        return "denied", False
    if method == "GET" or page == "history":
        return "shown", False
    if page == "changelist":
        # The list again; without the delete permission the action is not even offered.
        return "listed", "delete" in may and model not in NO_BULK_ACTIONS
    if page == "delete":
        return "done", True
    if page == "change" and model in READ_ONLY_FORMS:
        return "done", True
    return "form errors", False


def admin_urls(model_admin, target) -> dict[str, str]:
    info = f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}"
    return {
        "changelist": reverse(f"{info}_changelist"),
        "add": reverse(f"{info}_add"),
        "change": reverse(f"{info}_change", args=[target.pk]),
        "history": reverse(f"{info}_history", args=[target.pk]),
        "delete": reverse(f"{info}_delete", args=[target.pk]),
    }


def still_there(obj) -> bool:
    # By the primary key column: a token's `pk` property is its user's id.
    key = obj._meta.pk.attname
    return type(obj).objects.filter(**{key: getattr(obj, key)}).exists()


def observed(response, url: str) -> str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/admin/login/?next="):
            return "login"
        if location == "/admin/":
            return "hidden"  # the admin's "does not exist" redirect
        return "back" if location == url else "done"
    return {200: "shown", 403: "denied"}.get(response.status_code, str(response.status_code))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", registered_models())
def test_admin_authorization(client, model, role):
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label_lower == model)
    target, spare = OBJECTS[model](), OBJECTS[model]()
    user = make_staff(role)
    if user is not None:
        client.force_login(user)
    urls = admin_urls(model_admin, target)
    spare_pk = model_admin.opts.pk.value_to_string(spare)
    posts = {
        "changelist": {
            "action": "delete_selected",
            ACTION_CHECKBOX_NAME: [spare_pk],
            "post": "yes",
        },
        "add": {},
        "change": {},
        "history": {},
        "delete": {"post": "yes"},
    }

    outcomes, expected = {}, {}
    for page, method in ADMIN_CELLS:
        before = database_state()
        if method == "GET":
            response = client.get(urls[page])
        else:
            response = client.post(urls[page], posts[page])
        label = observed(response, urls[page])
        if method == "POST" and page == "changelist" and label in ("shown", "back"):
            label = "listed"  # re-rendered, or redirected back to itself
        if label == "shown" and method == "POST" and page in ("add", "change"):
            label = "form errors" if response.context["errors"] else "shown"
        changed = changed_tables(before)
        outcomes[page, method] = (label, changed != [])
        expected[page, method] = expected_admin(model, role, page, method)
        if not expected[page, method][1]:
            assert changed == [], (page, method)

    assert outcomes == expected
    gone = {"target": not still_there(target), "spare": not still_there(spare)}
    assert gone == {
        "target": expected["delete", "POST"][1],
        "spare": expected["changelist", "POST"][1],
    }


# -- the API -------------------------------------------------------------------------------

# Who may make each write: the model permissions of migration 0002 (editors have them,
# viewers do not). Anonymous clients are asked to authenticate (401).
API_ALLOWED = {"anonymous": False, "viewer": False, "editor": True, "superuser": True}


class World:
    """A meeting with a delegation, and a participant not yet invited."""

    def __init__(self):
        self.meeting = MeetingFactory()
        self.delegation = DelegationFactory(meeting=self.meeting)
        self.newcomer = ParticipantFactory()
        self.meeting.format.invited_participants.add(self.newcomer)

    def refresh(self):
        self.meeting.refresh_from_db()
        self.delegation.refresh_from_db()


# For each write: the request (path, body) and what an allowed one leaves in the database.
API_WRITES = {
    ("POST", "/api/v1/meetings/"): (
        lambda w: (
            "/api/v1/meetings/",
            {
                "format": w.meeting.format.code,
                "number": 99,
                "venue": w.meeting.venue_id,
                "start": "2031-03-02T09:00:00+07:00",
                "end": "2031-03-02T12:00:00+07:00",
            },
        ),
        201,
        lambda w: Meeting.objects.filter(format=w.meeting.format, number=99).exists(),
    ),
    ("PATCH", "/api/v1/meetings/{slug}/"): (
        lambda w: (f"/api/v1/meetings/{w.meeting.slug}/", {"title": "Renamed"}),
        200,
        lambda w: w.meeting.title == "Renamed",
    ),
    ("POST", "/api/v1/meetings/{slug}/cancel/"): (
        lambda w: (f"/api/v1/meetings/{w.meeting.slug}/cancel/", {"reason": "Typhoon"}),
        200,
        lambda w: w.meeting.status == MeetingStatus.CANCELLED,
    ),
    ("POST", "/api/v1/meetings/{slug}/postpone/"): (
        lambda w: (f"/api/v1/meetings/{w.meeting.slug}/postpone/", {"reason": "Typhoon"}),
        200,
        lambda w: w.meeting.status == MeetingStatus.POSTPONED,
    ),
    ("POST", "/api/v1/meetings/{slug}/reschedule/"): (
        lambda w: (
            f"/api/v1/meetings/{w.meeting.slug}/reschedule/",
            {"start": "2031-04-01T09:00:00+07:00", "end": "2031-04-01T12:00:00+07:00"},
        ),
        200,
        lambda w: w.meeting.start == dt.datetime(2031, 4, 1, 2, 0, tzinfo=dt.UTC),
    ),
    ("POST", "/api/v1/meetings/{slug}/invite/"): (
        lambda w: (f"/api/v1/meetings/{w.meeting.slug}/invite/", {}),
        200,
        lambda w: w.meeting.delegations.filter(participant=w.newcomer).exists(),
    ),
    ("POST", "/api/v1/delegations/"): (
        lambda w: (
            "/api/v1/delegations/",
            {"meeting": w.meeting.slug, "participant": w.newcomer.code},
        ),
        201,
        lambda w: w.meeting.delegations.filter(participant=w.newcomer).exists(),
    ),
    ("PATCH", "/api/v1/delegations/{id}/"): (
        lambda w: (f"/api/v1/delegations/{w.delegation.pk}/", {"head_name": "H.E. Minister"}),
        200,
        lambda w: w.delegation.head_name == "H.E. Minister",
    ),
    ("POST", "/api/v1/delegations/{id}/answer/"): (
        lambda w: (
            f"/api/v1/delegations/{w.delegation.pk}/answer/",
            {"attendance": "confirmed"},
        ),
        200,
        lambda w: w.delegation.attendance == AttendanceStatus.CONFIRMED,
    ),
}
SAFE = {"GET", "HEAD", "OPTIONS"}


def api_writes_in_urls() -> list[tuple[str, str]]:
    """Every non-read method of every API view the URL patterns route to."""
    return sorted(
        (method, path.replace("{pk}", "{id}"))
        for path, _regex, method, _view in EndpointEnumerator().get_api_endpoints()
        if method not in SAFE
    )


def test_matrix_covers_every_api_write():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = sorted(
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method.upper() not in SAFE and method != "parameters"
    )

    assert api_writes_in_urls() == sorted(API_WRITES)
    assert documented == sorted(API_WRITES)  # and each of them is in the OpenAPI schema


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", api_writes_in_urls(), ids="{0[0]} {0[1]}".format)
def test_api_write_authorization(endpoint, role):
    request, allowed_status, effect = API_WRITES[endpoint]
    world = World()
    user = make_staff(role)
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    path, body = request(world)
    before = database_state()

    response = client.generic(endpoint[0], path, json.dumps(body), "application/json")

    world.refresh()
    if API_ALLOWED[role]:
        assert (response.status_code, effect(world)) == (allowed_status, True), response.content
    else:
        assert (response.status_code, response.json()) == (
            (401, problem(401, "Authentication credentials were not provided."))
            if role == "anonymous"
            else (403, problem(403, "You do not have permission to make this change."))
        )
        assert (changed_tables(before), effect(world)) == ([], False)
