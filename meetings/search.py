"""Site search (`/search/?q=`): meetings, heads of delegation, participants, places,
umbrella events and documents, ranked and grouped by kind. Only published meetings are ever
found, only a published event's title, and only published documents of published meetings
and events.

Two engines, one set of rules. On every database a row matches when each word of the query
(at most MAX_WORDS) is found in one of the kind's fields. PostgreSQL folds case and accents
on both sides (`aseancal_search_text`, migration 0007) and also matches the whole query by
full-text search (every word, in any order) or by trigram word similarity (a word one letter
off: "Lavrow", "sokhon"); the GIN indexes of migration 0007 carry those expressions, written
here character for character. SQLite, for development, matches case-insensitively only: on
exact spellings both give the same rows.

Ranking is by how closely the query matches the kind's main field (exact, then prefix,
then inside it; PostgreSQL scores trigram similarity instead), then by a fixed order. A
meeting ranks first when the query names it by ordinal ("55th AMM": number and format code
or short name). Groups come in the order of their best row, so "Russia" leads with Russia
and "Lavrov" with the delegations he headed.

Documents' titles are searched with the same expressions as meetings' titles; the GIN
indexes for them are DOCUMENT_INDEXES. A document is found by its title, its kind
("agenda", "joint communiqué"), or the title or format code of its meeting or the title of
its event ("55th AMM statement"); it ranks by how closely the query matches its title.

Each group is one query (its rows and, through a window, its total), the events' meetings
one more: a constant number of queries whatever the number of results.

A new kind is a `Kind` in KINDS: a name for `?kind=`, a label, and a function from the
query's `Terms` to a queryset annotated with `rank`; its template is
`meetings/includes/search_<name>.html`.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import Contains

from meetings.enums import AttendanceStatus, DocumentKind
from meetings.filters import InvalidFilter
from meetings.models import Delegation, Document, Event, Format, Meeting, Participant, Venue
from meetings.numbers import whole_number
from meetings.validators import validate_one_line

MAX_LENGTH = 200  # characters of a query
MAX_WORDS = 10  # words of a query that count; the list filter `q` reads as many
OVERVIEW_SIZE = 5  # rows of each group on the overview
PAGE_SIZE = 20  # rows of a page of one kind (`?kind=`)
MAX_PAGE = 10_000

# "55th AMM", "55 AMM", "12th EAS FMM": an ordinal, then a format's code or short name.
ORDINAL = re.compile(r"(?P<number>[0-9]{1,4})(?:st|nd|rd|th)?\s+(?P<format>\S.*)", re.IGNORECASE)

# Scores on a common scale, so that groups can be ordered by their best row.
EXACT, PREFIX, INSIDE = 1.0, 0.8, 0.6
BY_ORDINAL = 2.0  # a meeting named by its ordinal comes before any other row
BY_FORMAT = 0.7  # a meeting of the format the query names
BY_RELATION = 0.3  # a meeting found through its venue, host, event, delegations or heads


@dataclass(frozen=True)
class Terms:
    """A checked query: its text with runs of spaces as one, and its words."""

    text: str
    words: tuple[str, ...]

    @property
    def ordinal(self) -> tuple[int, str] | None:
        """(55, "AMM") when the query reads as an ordinal and a format: "55th AMM"."""
        found = ORDINAL.fullmatch(self.text)
        if found is None:
            return None
        number = whole_number(found["number"], low=1, high=9999)
        return None if number is None else (number, found["format"])


def search_terms(raw: str | None) -> Terms:
    """The query `raw` as Terms; InvalidFilter naming `q` when it is empty, longer than
    MAX_LENGTH characters or holds a control character."""
    if raw is None or not raw.strip():
        raise InvalidFilter({"q": ["Enter a word or a name to search for."]})
    if len(raw) > MAX_LENGTH:
        raise InvalidFilter(
            {"q": [f"Enter at most {MAX_LENGTH} characters (this has {len(raw):,})."]}
        )
    try:
        validate_one_line(raw)
    except ValidationError as exc:
        raise InvalidFilter({"q": list(exc.messages)}) from exc
    words = tuple(raw.split())
    return Terms(text=" ".join(words), words=words[:MAX_WORDS])


def search_kind(raw: str | None) -> str | None:
    """The kind `?kind=` names (None: all of them); InvalidFilter naming `kind` otherwise."""
    if raw is None or raw == "":
        return None
    if raw not in KINDS:
        raise InvalidFilter({"kind": [f"Choose one of: {', '.join(KINDS)}."]})
    return raw


def search_page(raw: str | None) -> int:
    """The page `?page=` asks for (1 without one); InvalidFilter naming `page` otherwise."""
    if raw is None:
        return 1
    number = whole_number(raw, low=1, high=MAX_PAGE)
    if number is None:
        raise InvalidFilter({"page": [f"Enter a whole number from 1 to {MAX_PAGE:,}."]})
    return number


# Matching --------------------------------------------------------------------------------


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


class Folded(Func):
    """Text without case or accents (migration 0007's function; PostgreSQL only)."""

    function = "aseancal_search_text"
    output_field = TextField()


class Joined(Func):
    """Two columns as one text, a space between them (as migration 0007's index has it)."""

    template = "%(expressions)s"
    arg_joiner = " || ' ' || "
    output_field = TextField()


class FullText(Func):
    """Every word of the query among the words of `document` (PostgreSQL only)."""

    output_field = BooleanField()

    def __init__(self, document: Func, query: str) -> None:
        super().__init__(document, Folded(Value(query)))

    def as_sql(self, compiler, connection, **extra):  # type: ignore[override]
        document, query = (compiler.compile(e) for e in self.get_source_expressions())
        sql = (
            f"to_tsvector('simple'::regconfig, {document[0]}) @@ "
            f"plainto_tsquery('simple'::regconfig, {query[0]})"
        )
        return sql, (*document[1], *query[1])


class WordSimilar(Func):
    """A word of `field` within a letter or so of the query (pg_trgm's `%>`)."""

    template = "%(expressions)s"
    arg_joiner = " %%> "
    output_field = BooleanField()


class WordSimilarity(Func):
    """How closely the query matches words of `field`, from 0 to 1 (pg_trgm)."""

    function = "word_similarity"
    output_field = FloatField()


def _folded(field: str) -> Folded:
    return Folded(F(field))


def _words_in(terms: Terms, fields: Sequence[str]) -> Q:
    """Each word of the query inside one of `fields` (case, and on PostgreSQL accents,
    aside)."""
    if _postgresql():
        return reduce(
            and_,
            (
                reduce(or_, (Q(Contains(_folded(f), Folded(Value(word)))) for f in fields))
                for word in terms.words
            ),
        )
    return reduce(
        and_,
        (reduce(or_, (Q(**{f"{f}__icontains": word}) for f in fields)) for word in terms.words),
    )


def text_match(
    terms: Terms, fields: Sequence[str], *, fuzzy: Sequence[str] = (), document: Func | None = None
) -> Q:
    """The rows `terms` finds through `fields`; on PostgreSQL also by full text on
    `document` and by trigram similarity on the `fuzzy` fields."""
    match = _words_in(terms, fields)
    if _postgresql():
        if document is not None:
            match |= Q(FullText(document, terms.text))
        for field in fuzzy:
            match |= Q(WordSimilar(_folded(field), Folded(Value(terms.text))))
    return match


def _closeness(terms: Terms, field: str) -> Func | Case:
    """How closely the query matches `field`: EXACT, PREFIX, INSIDE or 0 (PostgreSQL: the
    mean of trigram word similarity and similarity, so that a whole match counts most)."""
    if _postgresql():
        query = Folded(Value(terms.text))
        whole = Case(When(Q(Contains(_folded(field), query)), then=Value(0.1)), default=0.0)
        return Func(
            WordSimilarity(query, _folded(field)),
            Func(query, _folded(field), function="similarity", output_field=FloatField()),
            whole,
            template="(%(expressions)s) / 2.1",
            arg_joiner=" + ",
            output_field=FloatField(),
        )
    return Case(
        When(**{f"{field}__iexact": terms.text}, then=Value(EXACT)),
        When(**{f"{field}__istartswith": terms.text}, then=Value(PREFIX)),
        When(**{f"{field}__icontains": terms.text}, then=Value(INSIDE)),
        default=Value(0.0),
        output_field=FloatField(),
    )


def _best(*scores: Any) -> Any:
    return Greatest(*scores, output_field=FloatField())


def _scaled(score: Any, factor: float) -> Any:
    return Func(
        score,
        Value(factor),
        template="(%(expressions)s)",
        arg_joiner=" * ",
        output_field=FloatField(),
    )


# What each kind finds --------------------------------------------------------------------

PARTICIPANT_FIELDS = ("name", "official_name", "name_local")
VENUE_FIELDS = ("name", "city", "name_local", "address")
HEAD_FIELDS = ("head_name", "head_title")


def matching_participants(terms: Terms) -> QuerySet[Participant]:
    """Participants named by the query (any of their names, or their code)."""
    return Participant.objects.filter(
        text_match(terms, PARTICIPANT_FIELDS, fuzzy=("name",)) | Q(code__iexact=terms.text)
    )


def matching_heads(terms: Terms) -> Q:
    """Delegations whose head's name or title the query finds; never one that declined,
    whose head is not public (Delegation.head_is_public)."""
    return text_match(
        terms,
        HEAD_FIELDS,
        fuzzy=HEAD_FIELDS,
        document=Folded(Joined(F("head_name"), F("head_title"))),
    ) & ~Q(attendance=AttendanceStatus.DECLINED)


def _ordinal_match(terms: Terms) -> Q | None:
    ordinal = terms.ordinal
    if ordinal is None:
        return None
    number, name = ordinal
    named = Format.objects.filter(Q(code__iexact=name) | Q(short_name__iexact=name))
    return Q(number=number, format__in=named)


def _meeting_relations(terms: Terms) -> Q:
    """Meetings found through their venue, host, umbrella event or delegations."""
    participants = matching_participants(terms)
    venues = Venue.objects.filter(text_match(terms, VENUE_FIELDS, fuzzy=("name", "city")))
    events = Event.objects.filter(text_match(terms, ("title",)), published=True)
    attends = Delegation.objects.filter(meeting=OuterRef("pk"), participant__in=participants)
    heads = Delegation.objects.filter(matching_heads(terms), meeting=OuterRef("pk"))
    return (
        Q(venue__in=venues)
        | Q(host__in=participants)
        | Q(event__in=events)
        | Q(Exists(attends))
        | Q(Exists(heads))
    )


def meeting_results(terms: Terms) -> QuerySet[Meeting]:
    """Published meetings named by title, format or ordinal, or found through their
    venue, host, event, participants or heads of delegation."""
    own = text_match(
        terms,
        ("title", "format__code", "format__name", "format__short_name"),
        fuzzy=("title",),
        document=_folded("title"),
    )
    formats = Format.objects.filter(
        Q(code__iexact=terms.text) | Q(short_name__iexact=terms.text) | Q(name__iexact=terms.text)
    )
    related = _meeting_relations(terms)
    ordinal = _ordinal_match(terms)
    match = own | related if ordinal is None else own | related | ordinal
    by_ordinal = [When(ordinal, then=Value(BY_ORDINAL))] if ordinal is not None else []
    rank = Case(
        *by_ordinal,
        default=_best(
            _closeness(terms, "title"),
            Case(When(format__in=formats, then=Value(BY_FORMAT)), default=Value(0.0)),
            Case(When(related, then=Value(BY_RELATION)), default=Value(0.0)),
        ),
        output_field=FloatField(),
    )
    return (
        Meeting.objects.filter(match, published=True)
        .select_related("format", "venue", "host", "event")
        .annotate(rank=rank)
        .order_by("-rank", "-start", "pk")
    )


def people_results(terms: Terms) -> QuerySet[Delegation]:
    """Delegations to published meetings whose head's name or title the query finds."""
    return (
        Delegation.objects.filter(matching_heads(terms), meeting__published=True)
        .exclude(head_name="", head_title="")
        .select_related("participant", "meeting", "meeting__format")
        .annotate(
            rank=_best(
                _closeness(terms, "head_name"), _scaled(_closeness(terms, "head_title"), 0.8)
            )
        )
        .order_by("-rank", "head_name", "meeting__start", "participant__name", "pk")
    )


def _count_of(rows: QuerySet, field: str) -> Coalesce:
    """How many of `rows` point at the outer row through `field` (0 when none)."""
    counted = (
        rows.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def participant_results(terms: Terms) -> QuerySet[Participant]:
    """Participants the query names, with how many published meetings each attends and
    hosts (their country pages list them)."""
    exact_code = Case(When(code__iexact=terms.text, then=Value(EXACT)), default=Value(0.0))
    return (
        matching_participants(terms)
        .annotate(
            rank=_best(
                _closeness(terms, "name"),
                _scaled(_closeness(terms, "official_name"), 0.9),
                _scaled(_closeness(terms, "name_local"), 0.9),
                exact_code,
            ),
            attends=_count_of(Delegation.objects.filter(meeting__published=True), "participant"),
            hosts=_count_of(Meeting.objects.filter(published=True), "host"),
        )
        .order_by("-rank", "name", "pk")
    )


def place_results(terms: Terms) -> QuerySet[Venue]:
    """Venues (by name, city, local name or address) of at least one published meeting."""
    return (
        Venue.objects.filter(text_match(terms, VENUE_FIELDS, fuzzy=("name", "city")))
        .annotate(meetings_held=_count_of(Meeting.objects.filter(published=True), "venue"))
        .filter(meetings_held__gt=0)
        .annotate(
            rank=_best(
                _closeness(terms, "city"),
                _closeness(terms, "name"),
                _scaled(_closeness(terms, "name_local"), 0.9),
            )
        )
        .order_by("-rank", "city", "name", "pk")
    )


def event_results(terms: Terms) -> QuerySet[Event]:
    """Published umbrella events by title, with their published meetings."""
    meetings = Meeting.objects.filter(published=True).select_related("format").order_by("start")
    return (
        Event.objects.filter(text_match(terms, ("title",), fuzzy=("title",)), published=True)
        .select_related("host")
        .prefetch_related(Prefetch("meetings", queryset=meetings, to_attr="public_meetings"))
        .annotate(rank=_closeness(terms, "title"))
        .order_by("-rank", "-start_date", "pk")
    )


# The GIN indexes (name, table, expression) that document_results' expressions use, as
# migration 0007 defines those of the other kinds; a migration creates them.
DOCUMENT_INDEXES = (
    (
        "document_title_trgm",
        "meetings_document",
        "aseancal_search_text(title) gin_trgm_ops",
    ),
    (
        "document_title_fts",
        "meetings_document",
        "to_tsvector('simple'::regconfig, aseancal_search_text(title))",
    ),
)
DOCUMENT_FIELDS = ("title", "kind_label", "meeting__title", "meeting__format__code", "event__title")
# The kind's label, so that "agenda" or "communiqué" is matched in the database.
KIND_LABEL = Case(
    *(When(kind=value, then=Value(label)) for value, label in DocumentKind.choices),
    default=Value(""),
    output_field=TextField(),
)


def document_results(terms: Terms) -> QuerySet[Document]:
    """Published documents of published meetings and events, by title or kind, or found
    through their meeting's title or format code or their event's title."""
    public = Q(meeting__published=True) | Q(event__published=True)
    return (
        Document.objects.annotate(kind_label=KIND_LABEL)
        .filter(
            text_match(terms, DOCUMENT_FIELDS, fuzzy=("title",), document=_folded("title")),
            public,
            published=True,
        )
        .select_related("meeting", "event")
        .annotate(rank=_best(_closeness(terms, "title"), Value(BY_RELATION)))
        .order_by("-rank", "-published_on", "pk")
    )


@dataclass(frozen=True)
class Kind:
    name: str  # as `?kind=` gives it
    label: str  # the group's heading
    results: Callable[[Terms], QuerySet]


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("meetings", "Meetings", meeting_results),
        Kind("people", "Heads of delegation", people_results),
        Kind("participants", "Countries and organisations", participant_results),
        Kind("places", "Venues and cities", place_results),
        Kind("events", "Umbrella events", event_results),
        Kind("documents", "Documents", document_results),
    )
}


# Groups ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One page of one kind's rows, best first, and how many rows the kind has in all."""

    kind: Kind
    rows: list
    total: int
    number: int
    size: int

    @property
    def best(self) -> float:
        return float(self.rows[0].rank) if self.rows else 0.0

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def template(self) -> str:
        return f"meetings/includes/search_{self.kind.name}.html"


def _group(kind: Kind, terms: Terms, *, number: int, size: int) -> Group:
    """One query: the page's rows, each carrying the total as `found`."""
    ranked = kind.results(terms).annotate(found=Window(Count("pk")))
    start = (number - 1) * size
    rows = list(ranked[start : start + size])
    total = rows[0].found if rows else 0
    return Group(kind=kind, rows=rows, total=total, number=number, size=size)


def search_results(terms: Terms, *, kind: str | None = None, page: int = 1) -> list[Group]:
    """Every kind's first rows, the groups with the best matches first and empty ones left
    out; or, with `kind`, that kind's page `page` alone (empty when past the last)."""
    if kind is not None:
        return [_group(KINDS[kind], terms, number=page, size=PAGE_SIZE)]
    groups = [_group(k, terms, number=1, size=OVERVIEW_SIZE) for k in KINDS.values()]
    order = list(KINDS)
    found = [group for group in groups if group.total]
    return sorted(found, key=lambda group: (-group.best, order.index(group.kind.name)))
