"""factory_boy factories. Meetings are made through the service, as staff would make them."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from meetings import services
from meetings.enums import MeetingStatus
from meetings.models import Delegation, Format, Meeting, Participant, Venue


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("a-long-test-password")
    is_staff = True


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    name = factory.LazyAttribute(lambda p: f"Participant {p.code}")


class FormatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Format
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"FMT{n}")
    name = factory.LazyAttribute(lambda f: f"{f.code} Meeting")
    short_name = factory.LazyAttribute(lambda f: f.code)


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Convention Centre {n}")
    city = "Phnom Penh"
    country_code = "KH"
    timezone = "Asia/Phnom_Penh"
    latitude = Decimal("11.556400")
    longitude = Decimal("104.928200")


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    format = factory.SubFactory(FormatFactory)
    number = factory.Sequence(lambda n: n + 1)
    venue = factory.SubFactory(VenueFactory)
    timezone = factory.LazyAttribute(lambda m: m.venue.timezone if m.venue else "UTC")
    start = dt.datetime(2030, 8, 3, 2, 0, tzinfo=dt.UTC)
    end = factory.LazyAttribute(lambda m: m.start + dt.timedelta(hours=3))
    status = MeetingStatus.SCHEDULED
    published = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.meeting_create(by=None, **kwargs)


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    meeting = factory.SubFactory(MeetingFactory)
    participant = factory.SubFactory(ParticipantFactory)
