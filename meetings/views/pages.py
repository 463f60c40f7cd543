"""Public pages (journalists). Views parse the request, call selectors and render.

Every list takes the shared filter (meetings.filters), answers a bad value with a
400 page naming the parameter, and links to the iCal feed with the same filter.
"""

from collections import Counter

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from meetings import documents, press, selectors
from meetings.caching import cached_page
from meetings.changes import meeting_changes
from meetings.enums import AttendanceStatus, MeetingStatus
from meetings.filters import InvalidFilter, filter_params, filtered_meetings
from meetings.links import feed_links
from meetings.models import Format, Meeting, Participant
from meetings.numbers import whole_number
from meetings.views.shared import event_days, feed_of

PAGE_SIZE = 30
MAX_PAGE = 1_000_000  # past the last page is a 404; past this, not a page number at all
HOME_NEXT = 8
# A timeline longer than this is a data error; it is cut rather than drawn day by day.
TIMELINE_MAX_DAYS = 31


def _page(request: HttpRequest, rows: QuerySet[Meeting], params: QueryDict) -> Page:
    """The requested page; without one, the page holding the next meeting (unless dated)."""
    paginator = Paginator(rows, PAGE_SIZE)
    raw = request.GET.get("page")
    if raw is None:
        number = 1
        if "from" not in params and "to" not in params:
            before = selectors.rows_before_next(rows, now=timezone.now())
            number = min(before // PAGE_SIZE + 1, paginator.num_pages)
    else:
        asked = whole_number(raw, low=1, high=MAX_PAGE)
        if asked is None:
            raise InvalidFilter({"page": [f"Enter a whole number from 1 to {MAX_PAGE:,}."]})
        number = asked
    try:
        return paginator.page(number)
    except EmptyPage as exc:
        raise Http404(f"There is no page {number}.") from exc


def _bad_filter(
    request: HttpRequest, template: str, context: dict, exc: InvalidFilter
) -> HttpResponse:
    context |= {"errors": sorted(exc.errors.items()), "page_obj": None, "meetings": []}
    return render(request, template, context, status=400)


def _listing(
    request: HttpRequest,
    rows: QuerySet[Meeting],
    *,
    context: dict,
    template: str = "meetings/meeting_list.html",
    **fixed: str,
) -> HttpResponse:
    """A paginated, filtered list of meetings with its feed links."""
    params = filter_params(request.GET, **fixed)
    context = {
        "params": params,
        "feed": feed_of(params),
        "dated": "from" in params or "to" in params,
        "selected": {"format": params.getlist("format"), "status": params.getlist("status")},
        **context,
    }
    try:
        page = _page(request, filtered_meetings(params, rows), params)
    except InvalidFilter as exc:
        return _bad_filter(request, template, context, exc)
    now = timezone.now()
    return render(
        request,
        template,
        context
        | {
            "page_obj": page,
            "meetings": page.object_list,
            "now": now,
            # A feed of nothing is not offered (templates/meetings/includes/subscribe.html).
            "nothing_to_subscribe": page.paginator.count == 0,
        },
    )


@cached_page
def home(request: HttpRequest) -> HttpResponse:
    """What meets next, and the current or next umbrella event day by day."""
    now = timezone.now()
    upcoming = list(selectors.public_meeting_rows().filter(end__gt=now)[:HOME_NEXT])
    event = selectors.headline_event(today=timezone.localdate())
    timeline = []
    if event:
        meetings = list(selectors.event_public_meetings(event))
        timeline = event_days(event, meetings, max_days=TIMELINE_MAX_DAYS)
    return render(
        request,
        "meetings/home.html",
        {
            "upcoming": upcoming,
            "event": event,
            "timeline": timeline,
            "years": selectors.meeting_years(),
            "live": press.live_meetings(now=now),
            "today": timezone.localdate(),
            "now": now,
            "feed": feed_links(),
        },
    )


@cached_page
def meeting_list(request: HttpRequest) -> HttpResponse:
    """All published meetings, filtered as the request asks."""
    formats, participants = selectors.filter_choices()
    return _listing(
        request,
        selectors.public_meeting_rows(),
        context={
            "title": "Meetings",
            "show_form": True,
            "formats": formats,
            "participants": participants,
            "statuses": MeetingStatus.choices,
        },
    )


@cached_page
def format_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The meetings of one format (AMM, EAS, ...)."""
    fmt = get_object_or_404(Format, code__iexact=code)
    return _listing(
        request,
        selectors.public_meeting_rows(),
        context={"title": fmt.name, "format": fmt, "canonical": fmt.get_absolute_url()},
        format=fmt.code,
    )


@cached_page
def country_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The meetings a participant hosts or sends a delegation to."""
    participant = get_object_or_404(Participant, code__iexact=code)
    today = timezone.localdate()
    return _listing(
        request,
        selectors.participant_meeting_rows(participant),
        context={
            "title": participant.name,
            "participant": participant,
            "roles": selectors.participant_roles(participant=participant, on=today),
            "chair_years": selectors.chair_years(participant),
            "canonical": participant.get_absolute_url(),
        },
        country=participant.code,
    )


@cached_page
def meeting_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One meeting: when and where, who comes, who chairs, and how to follow it."""
    meeting = get_object_or_404(selectors.public_meetings(), slug=slug)
    event = meeting.event if meeting.event is not None and meeting.event.published else None
    siblings = list(selectors.event_public_meetings(event).exclude(pk=meeting.pk)) if event else []
    delegations = list(meeting.delegations.all())
    answers = Counter(d.attendance for d in delegations)
    coordinator = (
        selectors.coordinator_for(partner=meeting.counterpart, on=meeting.first_day)
        if meeting.counterpart is not None
        else None
    )
    chair = None if coordinator else selectors.chair_for(on=meeting.first_day)
    subscribe: dict[str, str | list[str]] = {"format": meeting.format.code}
    if meeting.host is not None:
        subscribe["host"] = meeting.host.code
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "event": event,
            "siblings": siblings,
            "delegations": delegations,
            "confirmed": answers[AttendanceStatus.CONFIRMED],
            "declined": answers[AttendanceStatus.DECLINED],
            "invited": answers[AttendanceStatus.INVITED],
            "chair": chair,
            "coordinator": coordinator,
            "changes": meeting_changes(meeting),
            "feed": feed_links(subscribe),
            "canonical": meeting.get_absolute_url(),
            "documents": documents.public_documents(meeting=meeting),
            "press": press.meeting_press(meeting, event),
            "now": timezone.now(),
        },
    )
