"""The historical record: the dataset's own rules, and loading it into the calendar."""

import csv
import datetime as dt
import re
import shutil
import zoneinfo
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from meetings.history import (
    DATA_DIR,
    FORMAT_CODES,
    MEETING_COLUMNS,
    REASON,
    SERIES_FILES,
    https_sources,
    load_history,
)
from meetings.models import (
    Chairmanship,
    CoordinatorTerm,
    Delegation,
    Event,
    Format,
    Meeting,
    Venue,
)

# The ordinals each series lacks, as data/history/MISSING.md explains them one by one
# (checked below against its text). No row's notes document an exception to the ordinals.
DOCUMENTED_GAPS = {
    "summit.csv": set(),
    "amm.csv": {13, 15, 16, 17, 18, 19, 20, 21, 25, 26, 27},
    "arf.csv": {6},
    "eas.csv": set(),
    "eas_fmm.csv": {3},
    "apt_summit.csv": {5, 8, 24},
    "apt_fmm.csv": {7, 9, 10, 12, 13, 14, 15, 16, 17, 19, 23, 24},
}
REFERENCE_SLUGS = ["2022-amm-55", "2022-apt-23", "2022-pmc-ru", "2022-arf-29", "2022-eas-12"]
# Fields a load may change on a meeting already in the calendar: its empty sources (and the
# revision and time of that save).
FILLED_FIELDS = {"sources", "revision", "updated_at"}


def rows_of(name: str, data_dir: Path = DATA_DIR) -> list[tuple[int, dict[str, str]]]:
    with (data_dir / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return [(reader.line_num, row) for row in reader]


ALL_ROWS = [(name, line, row) for name in SERIES_FILES for line, row in rows_of(name)]
ROW_IDS = [f"{name}:{line}" for name, line, _ in ALL_ROWS]


def missing_section(name: str) -> str:
    """The part of MISSING.md about one file (from its heading to the next)."""
    text = (DATA_DIR / "MISSING.md").read_text(encoding="utf-8")
    match = re.search(rf"^## `?{re.escape(name)}`?.*?(?=^## |\Z)", text, re.M | re.S)
    assert match is not None, name
    return match.group(0)


def table_numbers(section: str) -> set[int]:
    """The ordinals in the first column of a section's tables: 18–21 and 4, 5 included."""
    found = set()
    for cell in re.findall(r"^\| ([0-9][0-9–, ]*) \|", section, re.M):
        for part in cell.split(","):
            low, _, high = part.strip().partition("–")
            found.update(range(int(low), int(high or low) + 1))
    return found


def mentioned(section: str, number: int) -> bool:
    ordinal = re.search(rf"\b{number}(st|nd|rd|th)\b", section)
    return bool(ordinal) or number in table_numbers(section)


# The dataset's own rules


def test_series_files_have_the_importer_columns_and_known_series():
    for name in SERIES_FILES:
        with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == MEETING_COLUMNS
    assert {row["format"] for _, _, row in ALL_ROWS} == set(FORMAT_CODES)


@pytest.mark.parametrize("name", SERIES_FILES)
def test_ordinals_unique_and_gaps_are_documented(name):
    numbers = [int(row["number"]) for _, row in rows_of(name)]
    assert [n for n, count in Counter(numbers).items() if count > 1] == []
    gaps = set(range(1, max(numbers) + 1)) - set(numbers)
    assert gaps == DOCUMENTED_GAPS[name]
    section = missing_section(name)
    assert [n for n in sorted(gaps) if not mentioned(section, n)] == []


def test_no_duplicate_format_and_number_across_files():
    keys = Counter((FORMAT_CODES[row["format"]], int(row["number"])) for _, _, row in ALL_ROWS)
    assert [key for key, count in keys.items() if count > 1] == []


@pytest.mark.parametrize(("name", "line", "row"), ALL_ROWS, ids=ROW_IDS)
def test_row_rules(name, line, row):
    first, last = dt.date.fromisoformat(row["first_day"]), dt.date.fromisoformat(row["last_day"])
    assert (first <= last, first.year == last.year) == (True, True)
    assert row["timezone"] in zoneinfo.available_timezones()
    assert https_sources(row["source"]) != []
    assert row["status"] in {"held", "scheduled", "postponed", "cancelled"}
    assert row["mode"] in {"in_person", "virtual", "hybrid"}


def test_a_venue_is_in_its_hosts_country_and_one_zone():
    places: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for _, _, row in ALL_ROWS:
        places.setdefault((row["venue"], row["venue_city"]), set()).add(
            (row["host"], row["timezone"])
        )
    assert {place: found for place, found in places.items() if len(found) > 1} == {}


def test_summits_since_the_charter_are_hosted_by_the_years_chair():
    chairs = {int(row["year"]): row["country_code"] for _, row in rows_of("chairs.csv")}
    wrong = [
        (row["number"], row["first_day"], row["host"])
        for _, row in rows_of("summit.csv")
        if int(row["first_day"][:4]) >= 2009
        and chairs.get(int(row["first_day"][:4])) != row["host"]
    ]
    assert wrong == []


# Loading


def meeting_rows() -> list[tuple[str, int]]:
    return [(FORMAT_CODES[row["format"]], int(row["number"])) for _, _, row in ALL_ROWS]


def reference_state() -> dict[str, dict]:
    return {
        m["slug"]: {k: v for k, v in m.items() if k not in FILLED_FIELDS}
        for m in Meeting.objects.filter(slug__in=REFERENCE_SLUGS).values()
    }


def history_rows() -> int:
    models = (Meeting, Delegation, Event, Venue, Format, Chairmanship, CoordinatorTerm)
    return sum(model.history.count() for model in models)


def test_load_creates_every_new_row_keeps_the_reference_and_loads_once(demo):
    before_reference = reference_state()
    present = {(m.format.code, m.number) for m in Meeting.objects.filter(number__isnull=False)}
    expected = Counter(code for code, number in meeting_rows() if (code, number) not in present)
    count_before = Meeting.objects.count()

    result = load_history()

    assert (result.ok, result.applied) == (True, True)
    assert result.created == expected
    assert sum(result.present.values()) == len(meeting_rows()) - sum(expected.values())
    assert Meeting.objects.count() == count_before + sum(expected.values())
    assert reference_state() == before_reference
    amm = Meeting.objects.get(slug="2022-amm-55")
    ((_, _, row),) = [r for r in ALL_ROWS if r[2]["format"] == "AMM" and r[2]["number"] == "55"]
    assert amm.source_urls == https_sources(row["source"])
    created_ids = Meeting.history.filter(history_type="+", history_change_reason=REASON).values(
        "id"
    )
    created = Meeting.objects.filter(pk__in=created_ids)
    assert created.count() == sum(expected.values())
    assert Delegation.objects.filter(meeting__in=created).count() == 0

    rows, state = history_rows(), list(Meeting.objects.values_list("slug", "revision", "sources"))
    again = load_history()
    assert (again.ok, sum(again.created.values()), again.reference) == (True, 0, Counter())
    assert (history_rows(), list(Meeting.objects.values_list("slug", "revision", "sources"))) == (
        rows,
        state,
    )


def test_loaded_meeting_fields(demo, small_data):
    load_history(data_dir=small_data({"eas.csv": {"9"}}))
    meeting = Meeting.objects.select_related("venue", "host", "event", "format").get(
        format__code="EAS_SUMMIT", number=9
    )
    assert (
        meeting.slug,
        meeting.title,
        meeting.format.name,
        meeting.host.code,
        meeting.venue.country_code,
        meeting.timezone,
        meeting.all_day,
        meeting.local_start.isoformat(),
        meeting.local_end.isoformat(),
        meeting.status,
        meeting.published,
        meeting.event.slug,
    ) == (
        "2014-eas-summit-9",
        "9th East Asia Summit",
        "East Asia Summit",
        "MM",
        "MM",
        "Asia/Yangon",
        False,
        "2014-11-13T09:00:00+06:30",
        "2014-11-13T11:30:00+06:30",
        "held",
        True,
        "2014-25th-asean-summit-and-related-summits",
    )
    assert meeting.history.get().history_change_reason == REASON


@pytest.fixture
def data_copy(tmp_path):
    """A copy of the dataset to spoil."""
    target = tmp_path / "history"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture
def small_data(tmp_path):
    """The dataset with only the rows a test names (every file present, headers kept)."""
    target = tmp_path / "small"
    target.mkdir()

    def make(keep: dict[str, set[str]]) -> Path:
        for name in (*SERIES_FILES, "chairs.csv", "coordinators.csv"):
            lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines(keepends=True)
            wanted = keep.get(name, set())
            kept = [lines[0]] + [line for line in lines[1:] if line.split(",", 2)[1] in wanted]
            (target / name).write_text("".join(kept), encoding="utf-8")
        return target

    return make


def spoil(data_dir: Path, name: str, number: str, column: str, value: str) -> int:
    """Set one cell of the row with this ordinal; returns the row's line."""
    path = data_dir / name
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for index, row in enumerate(rows[1:], start=2):
        if row[1] == number:
            row[header.index(column)] = value
            line = index
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return line


def written() -> tuple[int, ...]:
    return (
        Meeting.objects.count(),
        Venue.objects.count(),
        Event.objects.count(),
        Format.objects.count(),
        Chairmanship.objects.count(),
        CoordinatorTerm.objects.count(),
        history_rows(),
    )


def test_bad_rows_refuse_the_whole_load_each_named(demo, data_copy):
    host_line = spoil(data_copy, "arf.csv", "3", "host", "XX")
    day_line = spoil(data_copy, "summit.csv", "4", "first_day", "1992-02-30")
    source_line = spoil(data_copy, "amm.csv", "2", "source", "http://example.org/page")
    first_jakarta = next(
        (name, line)
        for name, line, row in ALL_ROWS
        if row["venue"] == row["venue_city"] == "Jakarta"
    )
    before = written()

    result = load_history(data_dir=data_copy)

    assert [str(p) for p in result.problems] == [
        f"summit.csv, line {day_line}, first_day: “1992-02-30” does not exist: "
        "February 1992 has 29 days.",
        f"amm.csv, line {source_line}, source: no https source: at least one address must "
        "be https.",
        f"arf.csv, line {host_line}, host: unknown participant code “XX”.",
        f"arf.csv, line {host_line}, host: the host XX is not the country of the venue "
        f"“Jakarta” in Jakarta (ID, per {first_jakarta[0]}, line {first_jakarta[1]}).",
    ]
    assert (result.applied, written()) == (False, before)


def test_duplicate_ordinal_and_days_outside_the_year_are_refused(demo, data_copy):
    duplicate = spoil(data_copy, "eas.csv", "3", "number", "2")
    year_line = spoil(data_copy, "arf.csv", "5", "last_day", "1999-01-02")

    result = load_history(data_dir=data_copy)

    assert [str(p) for p in result.problems] == [
        f"arf.csv, line {year_line}, last_day: the days 1998-07-27 to 1999-01-02 are not "
        "within one year.",
        f"eas.csv, line {duplicate}, number: EAS_SUMMIT 2 is already on eas.csv, line 3.",
    ]


def test_a_row_the_importer_refuses_rolls_everything_back(demo, data_copy):
    line = spoil(data_copy, "apt_fmm.csv", "25", "status", "finished")
    before = written()

    result = load_history(data_dir=data_copy)

    assert [str(p) for p in result.problems] == [
        f"apt_fmm.csv, line {line}, status: “finished” is not one of tentative, scheduled, "
        "postponed, cancelled, held."
    ]
    assert (result.applied, written()) == (False, before)


def test_command_lists_problems_and_fails(demo, data_copy, capsys):
    line = spoil(data_copy, "arf.csv", "30", "source", "ftp://example.org/")
    with pytest.raises(CommandError) as failure:
        call_command("load_history", "--data-dir", str(data_copy))
    assert str(failure.value) == "1 problem(s) in the historical dataset: nothing loaded."
    assert capsys.readouterr().err == (
        f"arf.csv, line {line}, source: no https source: at least one address must be https.\n"
    )


def test_command_dry_run_reports_and_writes_nothing(demo, small_data, capsys):
    data_dir = small_data({"arf.csv": {"1", "29"}, "summit.csv": {"1"}})
    before = written()
    call_command("load_history", "--dry-run", "--data-dir", str(data_dir))
    assert capsys.readouterr().out.splitlines() == [
        "AMM: 0 would be created, 0 already present",
        "APT: 0 would be created, 0 already present",
        "APT_SUMMIT: 0 would be created, 0 already present",
        "ARF: 1 would be created, 1 already present",
        "EAS: 0 would be created, 0 already present",
        "EAS_SUMMIT: 0 would be created, 0 already present",
        "SUMMIT: 1 would be created, 0 already present",
        "format created: 2",
        "meeting sources filled: 1",
        "venue created: 2",
        "Total: 2 meetings would be created, 1 already present. Dry run: nothing written.",
    ]
    assert written() == before


def test_command_if_empty_skips_a_calendar_with_own_meetings(demo, small_data, capsys):
    data_dir = small_data({"arf.csv": {"1"}})
    call_command("load_history", "--if-empty", "--data-dir", str(data_dir))
    assert capsys.readouterr().out.endswith("Total: 1 meetings created, 0 already present.\n")
    call_command("load_history", "--if-empty", "--data-dir", str(data_dir))
    assert capsys.readouterr().out == (
        "The calendar holds meetings beyond the reference data: history not loaded.\n"
    )


def test_chair_contradicting_the_calendar_is_refused(demo, small_data):
    data_dir = small_data({"chairs.csv": {"KH"}})  # no chairs: only the header
    (data_dir / "chairs.csv").write_text(
        "year,country_code,source,notes\n2022,TH,https://example.org/,Wrong on purpose\n",
        encoding="utf-8",
    )
    result = load_history(data_dir=data_dir)
    assert [str(p) for p in result.problems] == [
        "chairs.csv, line 2, country_code: the calendar records KH as the chair in 2022, not TH."
    ]


# Public pages


def test_meeting_page_shows_the_sources(demo, small_data):
    load_history(data_dir=small_data({"arf.csv": {"1"}}))
    meeting = Meeting.objects.get(format__code="ARF", number=1)
    html = Client().get(meeting.get_absolute_url()).content.decode()
    section = re.search(r'<section aria-labelledby="sources-heading">.*?</section>', html, re.S)
    assert section is not None
    links = re.findall(r'<a href="([^"]+)" rel="external noopener">([^<]+)</a>', section.group(0))
    assert links == [(url, url) for url in meeting.source_urls]
    assert meeting.source_urls == [
        "https://www.aseanregionalforum.org/PublicLibrary/ARFChairmansStatementsandReports/"
        "ChairmansStatementofthe1stMeetingoftheASE/tabid/201/Default.aspx"
    ]


def test_country_pages_list_arf_meetings(demo, small_data):
    # Russia's page lists the meetings it sends a delegation to (the 2022 reference ARF);
    # the loaded ARFs have no delegations (none are invented), so they appear on the
    # pages of their hosts.
    load_history(data_dir=small_data({"arf.csv": {"1", "2"}}))
    russia = Client().get("/countries/ru/").content.decode()
    thailand = Client().get("/countries/th/").content.decode()
    assert ("29th ASEAN Regional Forum" in russia, "1st ASEAN Regional Forum" in russia) == (
        True,
        False,
    )
    assert "1st ASEAN Regional Forum" in thailand
