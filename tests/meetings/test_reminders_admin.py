"""Reminders in the admin: each delegation's mails, send now, pause and resume, the schedule."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings import reminders
from meetings.models import Delegation, Reminder, ReminderSchedule
from meetings.models.reminders import ReminderKind, ReminderStatus
from tests.conftest import TODAY
from tests.factories import DelegationFactory, MeetingFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def invited(code: str, meeting=None, **fields) -> Delegation:
    if meeting is None:
        start = TODAY + dt.timedelta(days=5)
        meeting = MeetingFactory(start=start, end=start + dt.timedelta(hours=3))
    return DelegationFactory(
        meeting=meeting,
        participant=ParticipantFactory(code=code, name=f"Country {code}"),
        invited_at=TODAY - dt.timedelta(days=30),
        contact_emails=f"desk@{code.lower()}.mfa.example",
        **fields,
    )


def action(client, name: str, delegations) -> None:
    response = client.post(
        reverse("admin:meetings_delegation_changelist"),
        {"action": name, "_selected_action": [d.pk for d in delegations]},
    )
    assert response.status_code == 302


def test_secretariat_groups_get_the_reminder_permissions(editor, viewer):
    perms = [
        "meetings.view_reminder",
        "meetings.change_reminder",
        "meetings.view_reminderschedule",
        "meetings.change_reminderschedule",
    ]
    assert [(p, editor.has_perm(p), viewer.has_perm(p)) for p in perms] == [
        ("meetings.view_reminder", True, True),
        ("meetings.change_reminder", False, False),
        ("meetings.view_reminderschedule", True, True),
        ("meetings.change_reminderschedule", True, False),
    ]


def test_delegation_page_lists_its_mails(client, frozen_now, editor):
    delegation = invited("RU")
    # Its invitation went when it was invited: the pass sends the 7-day reminder.
    Reminder.objects.create(
        delegation=delegation,
        kind=ReminderKind.INVITATION,
        step=reminders.INVITATION_STEP,
        status=ReminderStatus.SENT,
        due_at=delegation.invited_at,
        sent_at=delegation.invited_at,
    )
    reminders.reminders_pass(send=True)
    client.force_login(editor)
    response = client.get(reverse("admin:meetings_delegation_change", args=[delegation.pk]))
    [inline] = [
        formset
        for formset in response.context["inline_admin_formsets"]
        if formset.formset.model is Reminder
    ]
    assert response.status_code == 200
    assert [
        (form.instance.step, form.instance.status, form.instance.sent_at)
        for form in inline.formset.forms
    ] == [("7d", "sent", TODAY), ("invitation", "sent", TODAY - dt.timedelta(days=30))]


def mails_sent_shown(client, delegation: Delegation) -> str:
    """The "mails sent" line of the delegation's own page (the meeting's rows leave it out)."""
    response = client.get(reverse("admin:meetings_delegation_change", args=[delegation.pk]))
    [line] = [
        field.contents()
        for fieldset in response.context["adminform"]
        for row in fieldset
        for field in row
        if field.is_readonly and field.field["name"] == "reminders_sent"
    ]
    return line


def test_delegation_page_counts_its_mails(client, frozen_now, editor):
    delegation = invited("RU")
    other = invited("JP", meeting=delegation.meeting)
    reminders.reminders_pass(send=True)
    Reminder.objects.filter(delegation=other).update(status=ReminderStatus.FAILED, sent_at=None)
    client.force_login(editor)
    assert [mails_sent_shown(client, d) for d in (delegation, other)] == [
        "1 sent, last 2026-11-02 03:00 UTC",
        "0 sent; 1 failed",
    ]


def test_send_now_action_queues_one_mail_per_delegation(client, frozen_now, editor):
    first, second = invited("RU"), invited("JP")
    client.force_login(editor)
    action(client, "send_reminder_now", [first, second])
    assert sorted(
        Reminder.objects.values_list(
            "delegation__participant__code", "kind", "status", "requested_by__username"
        )
    ) == [
        ("JP", "invitation", "queued", "editor"),
        ("RU", "invitation", "queued", "editor"),
    ]


def test_viewer_cannot_send_or_pause(client, frozen_now, viewer):
    delegation = invited("RU")
    client.force_login(viewer)
    for name in ("send_reminder_now", "pause_reminders"):
        client.post(
            reverse("admin:meetings_delegation_changelist"),
            {"action": name, "_selected_action": [delegation.pk]},
        )
    assert (Reminder.objects.count(), Delegation.objects.get().reminders_paused) == (0, False)


def test_pause_and_resume_actions_are_recorded_in_history(client, frozen_now, editor):
    delegation = invited("RU")
    client.force_login(editor)
    action(client, "pause_reminders", [delegation])
    paused = Delegation.objects.get().reminders_paused
    plan = reminders.reminders_plan()
    action(client, "resume_reminders", [delegation])
    stored = Delegation.objects.get()
    assert (paused, [s.reason for s in plan.skipped], stored.reminders_paused) == (
        True,
        ["reminders paused"],
        False,
    )
    assert [
        (h.history_change_reason, h.history_user.username) for h in stored.history.all()[:2]
    ] == [("Reminders resumed", "editor"), ("Reminders paused", "editor")]


def test_schedule_admin_tidies_the_days(client, editor):
    client.force_login(editor)
    schedule = ReminderSchedule.objects.get(format=None)
    response = client.post(
        reverse("admin:meetings_reminderschedule_change", args=[schedule.pk]),
        {"format": "", "days_before": "7 30,14;14  2"},
    )
    assert response.status_code == 302
    assert ReminderSchedule.objects.get(pk=schedule.pk).days == (30, 14, 7, 2)


def test_schedule_admin_names_the_bad_days(client, editor):
    client.force_login(editor)
    schedule = ReminderSchedule.objects.get(format=None)
    response = client.post(
        reverse("admin:meetings_reminderschedule_change", args=[schedule.pk]),
        {"format": "", "days_before": "21, two, -1, 400"},
    )
    assert (response.status_code, response.context["adminform"].form.errors) == (
        200,
        {"days_before": ["Not whole numbers of days between 0 and 366: two, -1, 400."]},
    )


def test_schedule_admin_refuses_a_second_default(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("admin:meetings_reminderschedule_add"), {"format": "", "days_before": "3"}
    )
    assert (response.status_code, ReminderSchedule.objects.count()) == (200, 1)
    assert response.context["adminform"].form.non_field_errors() == [
        "Constraint “reminder_schedule_one_default” is violated."
    ]


def test_outbox_requeue_action_gives_failed_mails_another_go(client, frozen_now, editor):
    delegation = invited("RU")
    failed = Reminder.objects.create(
        delegation=delegation,
        kind="scheduled",
        step="7d",
        days_before=7,
        due_at=TODAY,
        status="failed",
        attempts=5,
        last_error="SMTPServerDisconnected",
    )
    client.force_login(editor)
    client.post(
        reverse("admin:meetings_reminder_changelist"),
        {"action": "requeue", "_selected_action": [failed.pk]},
    )
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == ("queued", 0, "")


def test_outbox_requeue_is_offered_to_editors_only(client, frozen_now, editor, viewer):
    failed = Reminder.objects.create(
        delegation=invited("RU"),
        kind="scheduled",
        step="7d",
        days_before=7,
        due_at=TODAY,
        status="failed",
        attempts=5,
        last_error="SMTPServerDisconnected",
    )
    url = reverse("admin:meetings_reminder_changelist")
    offered = {}
    for user in (editor, viewer):
        client.force_login(user)
        form = client.get(url).context["action_form"]
        offered[user.username] = [name for name, _ in form.fields["action"].choices] if form else []
    # The viewer posts the action anyway: the list is shown again and nothing is queued.
    response = client.post(url, {"action": "requeue", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert offered == {"editor": ["", "requeue"], "viewer": []}
    assert (response.status_code, failed.status, failed.attempts) == (200, "failed", 5)


def _outbox_list_queries(client, count: int) -> int:
    meeting = MeetingFactory(start=TODAY + dt.timedelta(days=5))
    for n in range(count):
        invited(f"Q{chr(65 + n)}", meeting=meeting)
    reminders.reminders_pass(send=True)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:meetings_reminder_changelist"))
    assert response.status_code == 200
    Reminder.objects.all().delete()
    Delegation.objects.all().delete()
    return len(queries)


def test_outbox_list_query_count_does_not_grow_with_rows(client, frozen_now, superuser):
    client.force_login(superuser)
    assert _outbox_list_queries(client, 1) == _outbox_list_queries(client, 20)
