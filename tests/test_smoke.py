"""Every page answers, and every door writes, on the reference calendar.

A broad, shallow pass: the other modules test each surface in depth on PostgreSQL. This
one also runs on SQLite (VENDOR_MODULES in tests/conftest.py), so a query or a write
that only one database accepts is caught there too.
"""

import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from meetings.enums import AnswerChannel, AttendanceStatus
from meetings.models import Delegation, Meeting
from meetings.tokens import rsvp_token
from tests.meetings.test_admin import meeting_post

HTML = "text/html; charset=utf-8"
JSON = "application/json"
ICS = "text/calendar; charset=utf-8"

PAGES = [
    ("/", HTML),
    ("/meetings/", HTML),
    ("/meetings/?format=EAS&country=RU&status=held&q=summit", HTML),
    ("/meetings/2022-amm-55/", HTML),
    ("/meetings/2022-amm-55.ics", ICS),
    ("/calendar/2022/08/", HTML),
    ("/formats/EAS/", HTML),
    ("/countries/ru/", HTML),
    ("/changes/", HTML),
    ("/search/?q=Lavrov", HTML),
    ("/subscribe/", HTML),
    ("/subscribe/?format=EAS", HTML),
    ("/embed/upcoming/?format=EAS", HTML),
    ("/events/2022-55th-amm-and-related-meetings/", HTML),
    ("/events/2022-55th-amm-and-related-meetings.ics", ICS),
    ("/feeds/meetings.ics", ICS),
    ("/feeds/meetings.ics?format=ARF&country=KH", ICS),
    ("/feeds/changes.atom", "application/atom+xml; charset=utf-8"),
    ("/healthz", JSON),
    ("/api/v1/meetings/", JSON),
    ("/api/v1/meetings/?format=EAS&ordering=-start&page_size=5", JSON),
    ("/api/v1/meetings/2022-amm-55/", JSON),
    ("/api/v1/events/", JSON),
    ("/api/v1/formats/", JSON),
    ("/api/v1/participants/", JSON),
    ("/api/v1/participants/kh/", JSON),
    ("/api/v1/venues/", JSON),
    ("/api/v1/delegations/", JSON),
    ("/api/v1/schema/", "application/vnd.oai.openapi; charset=utf-8"),
]


@pytest.mark.parametrize(("path", "content_type"), PAGES, ids=[path for path, _ in PAGES])
def test_public_page_answers(client, demo, path, content_type):
    response = client.get(path, HTTP_ACCEPT=content_type.split(";")[0])

    assert (response.status_code, response["Content-Type"]) == (200, content_type)


def test_rsvp_page_answers_for_its_delegation(client, demo):
    delegation = Delegation.objects.get(meeting__slug="sample-som", participant__code="PH")

    response = client.get(f"/rsvp/{rsvp_token(delegation)}/")

    assert (response.status_code, response.context["delegation"]) == (200, delegation)


ADMINS = {
    f"{model._meta.app_label}_{model._meta.model_name}": (model, model_admin)
    for model, model_admin in admin.site._registry.items()
}


@pytest.mark.parametrize("name", sorted(ADMINS))
def test_admin_list_add_and_change_pages_answer(client, rf, demo, superuser, name):
    model, model_admin = ADMINS[name]
    request = rf.get("/")
    request.user = superuser
    # Records kept by the site itself (lock-outs, the mail outbox) cannot be added by hand.
    add_status = 200 if model_admin.has_add_permission(request) else 403
    first = model._default_manager.order_by("pk").first()
    client.force_login(superuser)

    statuses = [
        client.get(reverse(f"admin:{name}_changelist")).status_code,
        client.get(reverse(f"admin:{name}_add")).status_code,
    ]
    if first is not None:
        statuses.append(client.get(reverse(f"admin:{name}_change", args=[first.pk])).status_code)

    assert statuses == [200, add_status, 200][: len(statuses)]


def test_admin_door_saves_and_records_the_editor(client, demo, editor):
    meeting = Meeting.objects.get(slug="2022-amm-55")
    client.force_login(editor)

    response = client.post(
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
        meeting_post(meeting, title="55th AMM (smoke)"),
    )

    meeting.refresh_from_db()
    assert (response.status_code, meeting.title) == (302, "55th AMM (smoke)")
    assert meeting.history.first().history_user == editor


def test_api_door_saves_and_records_the_editor(demo, editor):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")

    response = client.patch(
        "/api/v1/meetings/2022-amm-55/", {"title": "55th AMM (API)"}, format="json"
    )

    meeting = Meeting.objects.get(slug="2022-amm-55")
    assert (response.status_code, response.json()["title"]) == (200, "55th AMM (API)")
    assert (meeting.title, meeting.history.first().history_user) == ("55th AMM (API)", editor)


def test_rsvp_door_records_the_answer(client, demo):
    delegation = Delegation.objects.get(meeting__slug="sample-som", participant__code="PH")

    response = client.post(f"/rsvp/{rsvp_token(delegation)}/", {"attendance": "declined"})

    delegation.refresh_from_db()
    assert (response.status_code, delegation.attendance, delegation.answered_via) == (
        303,
        AttendanceStatus.DECLINED,
        AnswerChannel.RSVP,
    )


def test_import_door_creates_the_meeting(demo, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text(
        "slug,format,number,counterpart,title,venue,host,first_day,start_time,last_day,"
        "end_time,timezone,status,published\n"
        ",AMM,56,,,Phnom Penh,KH,2030-08-03,09:00,2030-08-03,12:00,,scheduled,yes\n"
    )
    out = io.StringIO()

    call_command("import_calendar", str(path), stdout=out)

    meeting = Meeting.objects.get(slug="2030-amm-56")
    assert (meeting.local_start.isoformat(), meeting.local_end.isoformat()) == (
        "2030-08-03T09:00:00+07:00",
        "2030-08-03T12:00:00+07:00",
    )
    assert "1 created" in out.getvalue()
