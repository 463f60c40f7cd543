"""The secretariat's admin: permissions per group, saves, concurrency, history, actions."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from meetings.models import Delegation, Format, Meeting
from meetings.tokens import rsvp_token
from tests.factories import MeetingFactory, VenueFactory

CALENDAR_MODELS = [
    "participant",
    "membership",
    "chairmanship",
    "coordinatorterm",
    "format",
    "venue",
    "event",
    "meeting",
    "delegation",
]


def change_url(meeting: Meeting) -> str:
    return reverse("admin:meetings_meeting_change", args=[meeting.pk])


def meeting_post(meeting: Meeting, **overrides) -> dict:
    """The change form as the browser would post it, untouched delegations left out."""
    local_start, local_end = meeting.local_start, meeting.local_end
    data = {
        "event": meeting.event_id or "",
        "format": meeting.format_id,
        "number": meeting.number or "",
        "counterpart": meeting.counterpart_id or "",
        "title": meeting.title,
        "venue": meeting.venue_id or "",
        "host": meeting.host_id or "",
        "timezone": meeting.timezone,
        "start_date": meeting.first_day.isoformat(),
        "end_date": meeting.last_day.isoformat(),
        "start_time": "" if meeting.all_day else local_start.strftime("%H:%M"),
        "end_time": "" if meeting.all_day else local_end.strftime("%H:%M"),
        "status": meeting.status,
        "status_note": meeting.status_note,
        "mode": meeting.mode,
        "description": meeting.description,
        "confirmation_deadline_0": "",
        "confirmation_deadline_1": "",
        "revision_seen": meeting.revision,
        "delegations-TOTAL_FORMS": "0",
        "delegations-INITIAL_FORMS": "0",
        "delegations-MIN_NUM_FORMS": "0",
        "delegations-MAX_NUM_FORMS": "1000",
        # The press material inlines, left untouched.
        **{
            f"{prefix}-{name}": value
            for prefix in ("documents", "press_conferences", "press_contacts")
            for name, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
        },
        "_save": "Save",
    }
    if meeting.all_day:
        data["all_day"] = "on"
    if meeting.published:
        data["published"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["add", "change", "delete", "view"])
@pytest.mark.parametrize("model", CALENDAR_MODELS)
def test_group_permissions_per_model(editor, viewer, model, action):
    perm = f"meetings.{action}_{model}"
    assert (editor.has_perm(perm), viewer.has_perm(perm)) == (True, action == "view")
    assert AnonymousUser().has_perm(perm) is False


@pytest.mark.django_db
def test_viewer_reads_history_but_cannot_change_it(viewer, editor):
    assert viewer.has_perm("meetings.view_historicalmeeting") is True
    assert editor.has_perm("meetings.change_historicalmeeting") is False


def test_anonymous_admin_redirects_to_login(client, demo):
    meeting = Meeting.objects.get(slug="2022-amm-55")
    response = client.get(change_url(meeting))
    assert (response.status_code, response["Location"]) == (
        302,
        f"/admin/login/?next={change_url(meeting)}",
    )


def test_viewer_sees_meeting_but_cannot_save(client, demo, viewer):
    meeting = Meeting.objects.get(slug="2022-amm-55")
    client.force_login(viewer)
    page = client.get(change_url(meeting))
    assert page.status_code == 200
    assert "55th ASEAN Foreign Ministers&#x27;" in page.content.decode()
    response = client.post(change_url(meeting), meeting_post(meeting, title="Hijacked"))
    assert response.status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).title == "55th ASEAN Foreign Ministers' Meeting"


def test_editor_reschedules_in_venue_local_time(client, demo, editor):
    meeting = Meeting.objects.get(slug="2022-amm-55")
    client.force_login(editor)
    response = client.post(
        change_url(meeting),
        meeting_post(meeting, all_day=None, start_time="09:00", end_time="12:30"),
    )
    assert response.status_code == 302
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.start, stored.end, stored.all_day) == (
        dt.datetime(2022, 8, 3, 2, 0, tzinfo=dt.UTC),
        dt.datetime(2022, 8, 3, 5, 30, tzinfo=dt.UTC),
        False,
    )
    assert stored.sequence == meeting.sequence + 1
    last = stored.history.first()
    assert (last.history_user, last.start) == (editor, stored.start)


def test_editor_time_missing_gives_field_error(client, demo, editor):
    meeting = Meeting.objects.get(slug="2022-amm-55")
    client.force_login(editor)
    response = client.post(change_url(meeting), meeting_post(meeting, all_day=None))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {
        "start_time": ["Enter a time, or tick “all day”."],
        "end_time": ["Enter a time, or tick “all day”."],
    }


def test_editor_end_before_start_gives_field_error(client, demo, editor):
    meeting = Meeting.objects.get(slug="2022-amm-55")
    client.force_login(editor)
    response = client.post(
        change_url(meeting),
        meeting_post(meeting, all_day=None, start_time="15:00", end_time="09:00"),
    )
    assert response.context["adminform"].form.errors == {
        "end_time": ["The end must be after the start."]
    }
    assert Meeting.objects.get(pk=meeting.pk).all_day is True


def test_second_concurrent_save_refused(client, demo, editor, superuser):
    meeting = Meeting.objects.get(slug="2022-amm-55")
    client.force_login(superuser)
    first = client.post(change_url(meeting), meeting_post(meeting, status_note="First editor"))
    assert first.status_code == 302
    client.force_login(editor)
    second = client.post(change_url(meeting), meeting_post(meeting, status_note="Second editor"))
    assert second.status_code == 200
    errors = second.context["adminform"].form.non_field_errors()
    assert len(errors) == 1
    assert errors[0].startswith("root changed this record at ")
    assert errors[0].endswith(
        "since you opened it. Reload the page to see their changes, then make yours again."
    )
    assert Meeting.objects.get(pk=meeting.pk).status_note == "First editor"


def test_change_without_the_revision_it_started_from_is_refused(client, demo, editor):
    meeting = Meeting.objects.get(slug="2022-amm-55")
    client.force_login(editor)
    response = client.post(
        change_url(meeting), meeting_post(meeting, status_note="Blind", revision_seen=None)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["revision_seen"] == [
        "This form did not say which version of the record it was opened on. "
        "Reload the page and make your change again."
    ]
    assert Meeting.objects.get(pk=meeting.pk).status_note == ""


def test_history_page_shows_who_changed_what(client, demo, editor):
    meeting = Meeting.objects.get(slug="2022-amm-55")
    client.force_login(editor)
    client.post(change_url(meeting), meeting_post(meeting, status_note="Venue confirmed"))
    page = client.get(reverse("admin:meetings_meeting_history", args=[meeting.pk]))
    assert page.status_code == 200
    assert [
        (h.history_user.username if h.history_user else None, h.status_note)
        for h in meeting.history.all()[:2]
    ] == [("editor", "Venue confirmed"), (None, "")]
    assert "editor" in page.content.decode()


def test_invite_action_creates_the_reference_eas_delegations(client, demo, editor):
    eas = Meeting.objects.get(slug="2022-eas-12")
    copy = MeetingFactory(
        format=Format.objects.get(code="EAS"),
        number=None,
        start=eas.start,
        end=eas.end,
        venue=eas.venue,
        title="EAS rehearsal",
    )
    client.force_login(editor)
    response = client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "invite_participants", "_selected_action": [copy.pk]},
    )
    assert response.status_code == 302
    invited = sorted(copy.delegations.values_list("participant__code", flat=True))
    assert invited == sorted(eas.delegations.values_list("participant__code", flat=True))
    assert invited == sorted(
        [
            "BN",
            "ID",
            "KH",
            "LA",
            "MM",
            "MY",
            "PH",
            "SG",
            "TH",
            "VN",
            "AU",
            "CN",
            "IN",
            "JP",
            "NZ",
            "KR",
            "RU",
            "US",
        ]
    )
    # A second run invites nobody new.
    client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "invite_participants", "_selected_action": [copy.pk]},
    )
    assert copy.delegations.count() == 18


def test_cancel_action_asks_first_then_goes_through_the_service(client, demo, editor):
    meeting = Meeting.objects.get(slug="sample-som")
    client.force_login(editor)
    url = reverse("admin:meetings_meeting_changelist")
    asked = client.post(url, {"action": "cancel", "_selected_action": [meeting.pk]})
    unchanged = Meeting.objects.get(pk=meeting.pk)
    client.post(
        url,
        {
            "action": "cancel",
            "_selected_action": [meeting.pk],
            "confirm": "yes",
            "reason": "Typhoon warning for Manila",
        },
    )
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (asked.status_code, asked.context["title"]) == (200, "Cancel 1 meeting(s)?")
    assert (unchanged.status, unchanged.sequence) == (meeting.status, meeting.sequence)
    assert (stored.status, stored.sequence, stored.status_note) == (
        "cancelled",
        meeting.sequence + 1,
        "Typhoon warning for Manila",
    )
    assert stored.history.first().history_user == editor


def run_action(
    client, action: str, meetings: list[Meeting], reason: str = "Venue unavailable", **filters: str
) -> list[str]:
    """Post a changelist action, confirmed with `reason` (under `filters`, as the list was
    shown); its messages."""
    url = reverse("admin:meetings_meeting_changelist")
    if filters:
        url += "?" + "&".join(f"{name}={value}" for name, value in filters.items())
    data = {"action": action, "_selected_action": [m.pk for m in meetings]}
    if action in ("cancel", "postpone"):
        data.update(confirm="yes", reason=reason)
    response = client.post(url, data, follow=True)
    return [str(m) for m in response.context["messages"]]


def test_postpone_action_counts_what_it_changed_even_under_a_status_filter(client, demo, editor):
    som = Meeting.objects.get(slug="sample-som")
    arf = Meeting.objects.get(slug="sample-arf-ism")
    held = Meeting.objects.get(slug="2022-amm-55")
    client.force_login(editor)

    # The list shows scheduled meetings only: the held one, though selected, is not acted on.
    shown = run_action(client, "postpone", [som, arf, held], status__exact="scheduled")
    again = run_action(client, "postpone", [som])

    stored = {
        m.slug: (m.status, m.sequence)
        for m in Meeting.objects.filter(pk__in=[som.pk, arf.pk, held.pk])
    }
    assert stored == {
        "sample-som": ("postponed", som.sequence + 1),
        "sample-arf-ism": ("postponed", arf.sequence + 1),
        "2022-amm-55": ("held", held.sequence),
    }
    told = Delegation.objects.filter(meeting__in=[som, arf]).exclude(contact_emails="").count()
    assert told > 0
    assert (shown, again) == (
        [f"Postponed 2 meeting(s). {told} delegation(s) will be sent a notice in about 5 minutes."],
        [
            "Postponed 0 meeting(s). No delegation is told (unpublished, over, or no contact "
            "addresses)."
        ],
    )
    assert Meeting.objects.get(pk=som.pk).history.first().history_user == editor
    assert "Postponed" in client.get("/meetings/sample-som/").content.decode()


def test_unpublish_and_publish_actions_hide_and_show_the_meeting(client, demo, editor):
    som = Meeting.objects.get(slug="sample-som")
    client.force_login(editor)

    hidden = run_action(client, "unpublish", [som])
    client.logout()
    while_hidden = (
        client.get("/meetings/sample-som/").status_code,
        "sample-som" in (client.get("/feeds/meetings.ics").content.decode()),
    )
    client.force_login(editor)
    shown = run_action(client, "publish", [som])
    twice = run_action(client, "publish", [som])
    client.logout()

    assert (hidden, shown, twice) == (
        ["Unpublished 1 meeting(s)."],
        ["Published 1 meeting(s)."],
        ["Published 0 meeting(s)."],
    )
    assert while_hidden == (404, False)
    assert client.get("/meetings/sample-som/").status_code == 200
    assert [h.history_user for h in Meeting.objects.get(pk=som.pk).history.all()[:2]] == [
        editor,
        editor,
    ]


def test_changelist_filters_and_search(client, demo, viewer):
    client.force_login(viewer)
    url = reverse("admin:meetings_meeting_changelist")
    amm = Format.objects.get(code="AMM")
    response = client.get(url, {"format__id__exact": amm.pk, "year": "2022", "q": "Foreign"})
    assert response.status_code == 200
    assert [m.slug for m in response.context["cl"].result_list] == ["2022-amm-55"]


def test_clash_warning_for_same_venue_at_overlapping_times(client, db, editor):
    venue = VenueFactory()
    first = MeetingFactory(venue=venue, title="Morning session")
    second = MeetingFactory(
        venue=venue,
        title="Overlapping session",
        start=first.start + dt.timedelta(hours=1),
        end=first.end + dt.timedelta(hours=1),
    )
    client.force_login(editor)
    response = client.post(change_url(second), meeting_post(second), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert f"Clash: {venue} is also booked for Morning session." in messages


def test_clash_warning_for_head_of_delegation_booked_twice(db):
    from meetings.selectors import meeting_clashes
    from tests.factories import ParticipantFactory

    russia = ParticipantFactory(code="RU", name="Russia")
    first = MeetingFactory(title="EAS FMM")
    second = MeetingFactory(title="ARF", start=first.start, end=first.end)
    Delegation.objects.create(meeting=first, participant=russia, head_name="Sergey Lavrov")
    Delegation.objects.create(meeting=second, participant=russia, head_name=" sergey  LAVROV ")
    assert [c.detail for c in meeting_clashes(second) if c.kind == "head"] == [
        "Sergey Lavrov also heads Russia's delegation to EAS FMM"
    ]


def deletion(model, pk: int) -> tuple:
    """The history row a deletion left: who, why, and what was deleted."""
    row = model.history.get(id=pk, history_type="-")
    user = row.history_user.username if row.history_user else None
    return user, row.history_change_reason, row.participant.code, row.meeting_id


def test_deleting_a_delegation_records_who_deleted_it(client, demo, editor):
    delegation = Delegation.objects.get(meeting__slug="sample-som", participant__code="SG")
    client.force_login(editor)
    response = client.post(
        reverse("admin:meetings_delegation_delete", args=[delegation.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Delegation.objects.filter(pk=delegation.pk).exists()
    assert deletion(Delegation, delegation.pk) == (
        "editor",
        "Deleted",
        "SG",
        delegation.meeting_id,
    )


def test_deleting_delegations_in_bulk_records_who_deleted_each(client, demo, editor):
    chosen = list(
        Delegation.objects.filter(meeting__slug="sample-som", participant__code__in=["PH", "SG"])
    )
    client.force_login(editor)
    client.post(
        reverse("admin:meetings_delegation_changelist"),
        {"action": "delete_selected", "_selected_action": [d.pk for d in chosen], "post": "yes"},
    )
    assert sorted(deletion(Delegation, d.pk) for d in chosen) == [
        ("editor", "Deleted", "PH", chosen[0].meeting_id),
        ("editor", "Deleted", "SG", chosen[0].meeting_id),
    ]


def test_deleting_a_delegation_from_the_meeting_form_records_who_deleted_it(client, demo, editor):
    meeting = Meeting.objects.get(slug="sample-som")
    delegation = meeting.delegations.get(participant__code="SG")
    codes = set(meeting.delegations.values_list("participant__code", flat=True))
    client.force_login(editor)
    response = client.post(
        change_url(meeting),
        meeting_post(
            meeting,
            **{
                "delegations-TOTAL_FORMS": "1",
                "delegations-INITIAL_FORMS": "1",
                "delegations-0-id": delegation.pk,
                "delegations-0-meeting": meeting.pk,
                "delegations-0-participant": delegation.participant_id,
                "delegations-0-attendance": delegation.attendance,
                "delegations-0-revision_seen": delegation.revision,
                "delegations-0-DELETE": "on",
            },
        ),
    )
    assert response.status_code == 302
    assert set(meeting.delegations.values_list("participant__code", flat=True)) == codes - {"SG"}
    assert deletion(Delegation, delegation.pk) == ("editor", "Deleted", "SG", meeting.pk)


def test_deleting_a_meeting_records_who_deleted_it_and_its_delegations(client, demo, editor):
    meeting = Meeting.objects.get(slug="sample-som")
    codes = sorted(meeting.delegations.values_list("participant__code", flat=True))
    ids = list(meeting.delegations.values_list("pk", flat=True))
    client.force_login(editor)
    response = client.post(
        reverse("admin:meetings_meeting_delete", args=[meeting.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    row = Meeting.history.get(id=meeting.pk, history_type="-")
    assert (row.history_user, row.history_change_reason, row.slug) == (
        editor,
        "Deleted",
        "sample-som",
    )
    assert sorted(deletion(Delegation, pk) for pk in ids) == [
        ("editor", "Deleted", code, meeting.pk) for code in codes
    ]


# -- an RSVP answer while the meeting's form is open ---------------------------------------


def delegation_rows(meeting: Meeting, **changes: dict) -> dict:
    """Every delegation row of the meeting's form as the browser posts it back, with
    `changes` (by participant code) made in it. (A row has no contact addresses, reminder
    pause or notes: those are on the delegation's own page.)"""
    rows = list(meeting.delegations.select_related("participant"))
    data = {
        "delegations-TOTAL_FORMS": str(len(rows)),
        "delegations-INITIAL_FORMS": str(len(rows)),
    }
    for n, delegation in enumerate(rows):
        row = {
            "id": delegation.pk,
            "meeting": meeting.pk,
            "participant": delegation.participant_id,
            "head_name": delegation.head_name,
            "head_title": delegation.head_title,
            "level": delegation.level,
            "attendance": delegation.attendance,
            "revision_seen": delegation.revision,
            **changes.get(delegation.participant.code, {}),
        }
        data.update({f"delegations-{n}-{key}": value for key, value in row.items()})
    return data


def rsvp_answer(client, delegation: Delegation) -> int:
    """The delegation confirms through its link, naming its head; the response's status."""
    response = client.post(
        reverse("meetings:rsvp", kwargs={"token": rsvp_token(delegation)}),
        {"attendance": "confirmed", "head_name": "Aung Kyaw Moe", "level": "senior_official"},
    )
    return response.status_code


@pytest.fixture
def open_form(demo):
    """The sample SOM's form as staff loaded it, and a delegation that has not answered."""
    meeting = Meeting.objects.get(slug="sample-som")
    delegation = meeting.delegations.get(participant__code="MM")
    return meeting, delegation


def test_rsvp_answer_while_the_form_is_open_does_not_refuse_the_save(client, open_form, editor):
    meeting, delegation = open_form
    loaded = meeting_post(meeting, status_note="Agenda circulated", **delegation_rows(meeting))
    assert rsvp_answer(Client(), delegation) == 303
    client.force_login(editor)
    response = client.post(change_url(meeting), loaded)
    assert response.status_code == 302
    stored = Delegation.objects.get(pk=delegation.pk)
    assert (
        stored.attendance,
        stored.answered_via,
        stored.head_name,
        stored.level,
        stored.revision,
    ) == ("confirmed", "rsvp", "Aung Kyaw Moe", "senior_official", delegation.revision + 1)
    assert Meeting.objects.get(pk=meeting.pk).status_note == "Agenda circulated"


def test_rsvp_answer_while_the_form_is_open_keeps_the_editors_other_fields(
    client, open_form, editor
):
    meeting, delegation = open_form
    loaded = meeting_post(
        meeting, **delegation_rows(meeting, MM={"head_title": "Permanent Secretary"})
    )
    assert rsvp_answer(Client(), delegation) == 303
    client.force_login(editor)
    assert client.post(change_url(meeting), loaded).status_code == 302
    stored = Delegation.objects.get(pk=delegation.pk)
    assert (
        stored.attendance,
        stored.head_name,
        stored.head_title,
        stored.history.first().history_user,
    ) == ("confirmed", "Aung Kyaw Moe", "Permanent Secretary", editor)


def test_rsvp_answer_and_an_edit_of_the_same_answer_is_refused(client, open_form, editor):
    meeting, delegation = open_form
    loaded = meeting_post(
        meeting,
        status_note="Agenda circulated",
        **delegation_rows(meeting, MM={"attendance": "declined"}),
    )
    assert rsvp_answer(Client(), delegation) == 303
    client.force_login(editor)
    response = client.post(change_url(meeting), loaded)
    assert response.status_code == 200
    [formset] = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is Delegation
    ]
    errors = [form.non_field_errors() for form in formset.forms if form.errors]
    assert errors == [
        [
            "someone else changed this record at 2026-11-02 03:00 UTC since you opened it, "
            "changing the same attendance. Reload the page to see their changes, then make "
            "yours again."
        ]
    ]
    stored = Delegation.objects.get(pk=delegation.pk)
    assert (stored.attendance, Meeting.objects.get(pk=meeting.pk).status_note) == (
        "confirmed",
        "",
    )
