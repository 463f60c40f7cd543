"""The admin's meeting pages at a laptop's width: the meetings list's columns, computed in
its own query; the delegation rows' fields, and the delegation's own page, which keeps what
the rows leave out (tests/browser/test_admin_layout.py measures them in a browser)."""

import datetime as dt
import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from meetings import services
from meetings.models import Delegation, Meeting
from tests.factories import FormatFactory, MeetingFactory, ParticipantFactory, VenueFactory

from .test_admin import change_url, delegation_rows, meeting_post

CHANGELIST = reverse("admin:meetings_meeting_changelist")
START = dt.datetime(2030, 8, 3, 2, 0, tzinfo=dt.UTC)


def add_meetings(count: int) -> None:
    """`count` meetings, each with its own format and venue and three delegations, one of
    which has confirmed."""
    for n in range(count):
        meeting = MeetingFactory(
            format=FormatFactory(), venue=VenueFactory(), start=START + dt.timedelta(days=n)
        )
        for code in ("a", "b", "c"):
            delegation = services.delegation_create(
                meeting=meeting, participant=ParticipantFactory(name=f"{code} {n}"), by=None
            )
        services.delegation_record_answer(
            delegation=delegation, attendance="confirmed", via="admin"
        )


def cells(response, meeting: Meeting) -> dict[str, str]:
    """The meeting's row in the list: each column's class and its text."""
    [row] = [
        row
        for row in re.findall(r"<tr>(.*?)</tr>", response.content.decode(), re.S)
        if f'href="{change_url(meeting)}' in row
    ]
    return {
        name: html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
        for name, text in re.findall(r'<t[dh] class="field-(\w+)[^"]*">(.*?)</t[dh]>', row, re.S)
    }


@pytest.mark.parametrize("rows", [1, 20])
def test_meetings_list_query_count_does_not_grow(
    client, superuser, django_assert_num_queries, rows
):
    add_meetings(rows)
    client.force_login(superuser)
    # The session, its user and their authenticator devices (twice); the filters' formats,
    # hosts and years; the count, filtered and all; the rows with their formats, venues and
    # answers; the date drill-down's range and days.
    with django_assert_num_queries(14):
        response = client.get(CHANGELIST)
    listed = response.context["cl"].result_list
    assert (response.status_code, len(listed)) == (200, rows)
    assert {(m.delegations_confirmed, m.delegations_invited) for m in listed} == {(1, 3)}


def test_meetings_list_columns(client, demo, editor):
    client.force_login(editor)
    response = client.get(CHANGELIST)
    meeting = Meeting.objects.get(slug="2022-amm-55")

    assert response.context["cl"].list_display == [
        "action_checkbox",
        "title",
        "format_code",
        "first_day_text",
        "city",
        "status",
        "published",
        "answers",
    ]
    assert cells(response, meeting) == {
        "title": "55th ASEAN Foreign Ministers' Meeting",
        "format_code": "AMM",
        "first_day_text": "Wed 3 Aug 2022",
        "city": "Phnom Penh",
        "status": "Held",
        "published": "",
        "answers": "1/10",
    }


def answers(response) -> list[tuple[str, int, int]]:
    """Each listed meeting's slug, and its confirmed and invited delegations as listed."""
    return [
        (m.slug, m.delegations_confirmed, m.delegations_invited)
        for m in response.context["cl"].result_list
    ]


def counted(slugs) -> list[tuple[str, int, int]]:
    """The same, counted one meeting at a time."""
    return [
        (
            slug,
            Delegation.objects.filter(meeting__slug=slug, attendance="confirmed").count(),
            Delegation.objects.filter(meeting__slug=slug).count(),
        )
        for slug in slugs
    ]


def test_meetings_list_search_through_delegations_counts_each_once(client, demo, editor):
    client.force_login(editor)
    response = client.get(CHANGELIST, {"q": "Sokhonn"})  # heads Cambodia's delegations
    listed = answers(response)

    assert listed == counted(
        Meeting.objects.filter(delegations__head_name__contains="Sokhonn")
        .order_by("start", "format__code", "number")
        .values_list("slug", flat=True)
    )
    assert len(listed) > 1


def test_meetings_list_sorts_by_answers_within_a_filter(client, demo, editor):
    client.force_login(editor)
    column = client.get(CHANGELIST).context["cl"].list_display.index("answers")
    response = client.get(CHANGELIST, {"o": f"-{column}", "year": "2022"})
    listed = answers(response)

    assert listed == counted(slug for slug, _confirmed, _invited in listed)
    assert [confirmed for _slug, confirmed, _invited in listed] == sorted(
        (confirmed for _slug, confirmed, _invited in listed), reverse=True
    )
    assert sorted(slug for slug, _confirmed, _invited in listed) == sorted(
        Meeting.objects.filter(start__year=2022).values_list("slug", flat=True)
    )


def delegations_inline(response):
    [inline] = [
        inline
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is Delegation
    ]
    return inline


def test_delegation_rows_show_who_comes_and_link_to_the_rest(client, demo, editor):
    meeting = Meeting.objects.get(slug="2022-amm-55")
    client.force_login(editor)
    response = client.get(change_url(meeting))
    inline = delegations_inline(response)

    assert [field["name"] for field in inline.fields()] == [
        "participant",
        "head_name",
        "head_title",
        "level",
        "attendance",
        "revision_seen",
        "addresses_and_reminders",
    ]
    assert sorted(inline.formset.forms[0].fields) == [
        "DELETE",
        "attendance",
        "head_name",
        "head_title",
        "id",
        "level",
        "meeting",
        "participant",
        "revision_seen",
    ]
    links = re.findall(
        r'<a href="/admin/meetings/delegation/(\d+)/change/">Addresses and reminders</a>',
        response.content.decode(),
    )
    assert sorted(map(int, links)) == sorted(meeting.delegations.values_list("pk", flat=True))


def test_viewer_sees_the_rows_and_their_links(client, demo, viewer):
    meeting = Meeting.objects.get(slug="2022-amm-55")
    client.force_login(viewer)
    response = client.get(change_url(meeting))

    links = re.findall(r"/admin/meetings/delegation/\d+/change/\">Addresses", response.text)
    assert (response.status_code, len(links)) == (200, meeting.delegations.count())


def delegation_post(delegation: Delegation, **values: str) -> dict[str, str]:
    """The delegation's own change form as the browser posts it, with `values` replacing
    fields."""
    data = {
        "meeting": str(delegation.meeting_id),
        "participant": str(delegation.participant_id),
        "head_name": delegation.head_name,
        "head_title": delegation.head_title,
        "level": delegation.level,
        "attendance": delegation.attendance,
        "contact_emails": delegation.contact_emails,
        "notes": delegation.notes,
        "revision_seen": str(delegation.revision),
        "reminders-TOTAL_FORMS": "0",
        "reminders-INITIAL_FORMS": "0",
        "_save": "Save",
        **({"reminders_paused": "on"} if delegation.reminders_paused else {}),
    }
    return data | values


def test_delegation_page_edits_addresses_pause_and_notes(client, demo, editor):
    delegation = Delegation.objects.get(meeting__slug="2022-amm-55", participant__code="ID")
    client.force_login(editor)
    url = reverse("admin:meetings_delegation_change", args=[delegation.pk])
    page = client.get(url)

    response = client.post(
        url,
        delegation_post(
            delegation,
            contact_emails="protocol@kemlu.example\r\nasean@kemlu.example",
            reminders_paused="on",
            notes="Call the desk before the 20th.",
        ),
    )

    stored = Delegation.objects.get(pk=delegation.pk)
    sections = dict(page.context["adminform"].fieldsets)
    assert sections["Addresses and reminders"]["fields"] == [
        "contact_emails",
        "reminders_paused",
        "invited_at",
        "reminders_sent",
        "link_version",
    ]
    assert response.status_code == 302
    assert (
        stored.addresses,
        stored.reminders_paused,
        stored.notes,
        stored.revision,
        stored.history.first().history_user,
    ) == (
        ["protocol@kemlu.example", "asean@kemlu.example"],
        True,
        "Call the desk before the 20th.",
        delegation.revision + 1,
        editor,
    )


def test_addresses_changed_while_the_meeting_form_is_open_are_kept(client, demo, editor):
    meeting = Meeting.objects.get(slug="sample-som")
    delegation = meeting.delegations.get(participant__code="MM")
    loaded = meeting_post(
        meeting, **delegation_rows(meeting, MM={"head_title": "Permanent Secretary"})
    )
    client.force_login(editor)
    url = reverse("admin:meetings_delegation_change", args=[delegation.pk])
    other = Client()
    other.force_login(editor)
    assert (
        other.post(url, delegation_post(delegation, contact_emails="desk@mm.example")).status_code
        == 302
    )

    response = client.post(change_url(meeting), loaded)

    stored = Delegation.objects.get(pk=delegation.pk)
    assert response.status_code == 302
    assert (stored.head_title, stored.contact_emails, stored.revision) == (
        "Permanent Secretary",
        "desk@mm.example",
        delegation.revision + 2,
    )


def test_a_row_edited_over_a_newer_answer_is_still_refused(client, demo, editor):
    meeting = Meeting.objects.get(slug="sample-som")
    delegation = meeting.delegations.get(participant__code="MM")
    loaded = meeting_post(meeting, **delegation_rows(meeting, MM={"attendance": "declined"}))
    services.delegation_record_answer(delegation=delegation, attendance="confirmed", via="rsvp")
    client.force_login(editor)

    response = client.post(change_url(meeting), loaded)

    errors = [form.errors for form in delegations_inline(response).formset.forms if form.errors]
    assert (response.status_code, len(errors)) == (200, 1)
    assert Delegation.objects.get(pk=delegation.pk).attendance == "confirmed"
