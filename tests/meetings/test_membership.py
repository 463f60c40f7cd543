"""Who is a member, and who is invited, depends on the date."""

import datetime as dt

import pytest

from meetings.enums import Role
from meetings.models import Format, Participant
from meetings.selectors import (
    chair_for,
    coordinator_for,
    expected_participants,
    participants_with_role,
)

pytestmark = pytest.mark.usefixtures("demo")

FOUNDING_AND_LATER = ["BN", "ID", "KH", "LA", "MM", "MY", "PH", "SG", "TH", "VN"]


def codes(queryset) -> list[str]:
    return sorted(queryset.values_list("code", flat=True))


def test_members_the_day_before_timor_leste_joined():
    assert codes(participants_with_role(role=Role.MEMBER, on=dt.date(2025, 10, 25))) == (
        FOUNDING_AND_LATER
    )


def test_members_from_the_day_timor_leste_joined():
    assert codes(participants_with_role(role=Role.MEMBER, on=dt.date(2025, 10, 26))) == sorted(
        [*FOUNDING_AND_LATER, "TL"]
    )


def test_timor_leste_observer_until_membership():
    assert codes(participants_with_role(role=Role.OBSERVER, on=dt.date(2025, 10, 25))) == ["TL"]
    assert codes(participants_with_role(role=Role.OBSERVER, on=dt.date(2025, 10, 26))) == []


def test_members_in_1990_before_viet_nam_joined():
    assert codes(participants_with_role(role=Role.MEMBER, on=dt.date(1990, 1, 1))) == [
        "BN",
        "ID",
        "MY",
        "PH",
        "SG",
        "TH",
    ]


def test_eas_invitees_for_the_reference_meeting():
    eas = Format.objects.get(code="EAS")
    assert codes(expected_participants(format=eas, on=dt.date(2022, 8, 5))) == sorted(
        [*FOUNDING_AND_LATER, "AU", "CN", "IN", "JP", "NZ", "KR", "RU", "US"]
    )


def test_eas_invitees_after_timor_leste_joined_include_it():
    eas = Format.objects.get(code="EAS")
    assert "TL" in codes(expected_participants(format=eas, on=dt.date(2026, 8, 1)))


def test_arf_had_27_participants_in_2022():
    arf = Format.objects.get(code="ARF")
    invited = codes(expected_participants(format=arf, on=dt.date(2022, 8, 5)))
    assert len(invited) == 27
    assert "GB" not in invited
    assert {"BD", "KP", "MN", "PK", "PG", "LK", "TL", "EU"} <= set(invited)


def test_pmc_invites_members_and_the_counterpart_only():
    pmc = Format.objects.get(code="PMC")
    russia = Participant.objects.get(code="RU")
    assert codes(expected_participants(format=pmc, on=dt.date(2022, 8, 4), counterpart=russia)) == (
        sorted([*FOUNDING_AND_LATER, "RU"])
    )


def test_chair_by_year():
    assert chair_for(on=dt.date(2022, 8, 3)).code == "KH"
    assert chair_for(on=dt.date(2026, 1, 1)).code == "PH"
    assert chair_for(on=dt.date(2019, 1, 1)) is None


def test_russia_coordinator_hands_over_on_26_july_2024():
    russia = Participant.objects.get(code="RU")
    assert coordinator_for(partner=russia, on=dt.date(2024, 7, 25)).code == "KH"
    assert coordinator_for(partner=russia, on=dt.date(2024, 7, 26)).code == "MM"
