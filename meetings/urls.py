from django.urls import include, path, register_converter

from .views import (
    calendar,
    changes,
    documents,
    embed,
    events,
    feeds,
    follow,
    pages,
    rsvp,
    search,
    subscribe,
)


class CodeConverter:
    """A format or participant code, in any case. Anything else never reaches a query (a
    database may refuse it outright: PostgreSQL a NUL) and is a plain 404."""

    regex = "[A-Za-z][A-Za-z0-9_]{1,19}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CodeConverter, "code")

app_name = "meetings"

urlpatterns = [
    path("", pages.home, name="home"),
    path("meetings/", pages.meeting_list, name="meeting-list"),
    path("meetings/<slug:slug>.ics", feeds.meeting_ics, name="meeting-ics"),
    path("meetings/<slug:slug>/", pages.meeting_detail, name="meeting"),
    path("calendar/<int:year>/<int:month>/", calendar.month, name="month"),
    path("formats/<code:code>/", pages.format_detail, name="format"),
    path("countries/<code:code>/", pages.country_detail, name="country"),
    path("events/<slug:slug>.ics", feeds.event_ics, name="event-ics"),
    path("events/<slug:slug>/", events.event_detail, name="event"),
    path("documents/<int:pk>/<str:name>", documents.document_file, name="document-file"),
    path("feeds/meetings.ics", feeds.meetings_feed, name="feed"),
    path("changes/", changes.changes, name="changes"),
    path("subscribe/", subscribe.subscribe, name="subscribe"),
    path("embed/upcoming/", embed.upcoming, name="embed-upcoming"),
    path("search/", search.search, name="search"),
    path("feeds/changes.atom", changes.changes_feed, name="changes-feed"),
    path("rsvp/<str:token>/", rsvp.rsvp, name="rsvp"),
    path("follow/", follow.follow_page, name="follow"),
    path("follow/confirm/<str:token>/", follow.confirm, name="follow-confirm"),
    path("follow/manage/<str:token>/", follow.manage, name="follow-manage"),
    path("follow/unsubscribe/<str:token>/", follow.unsubscribe, name="follow-unsubscribe"),
    path("api/v1/", include("meetings.api.urls")),
]
