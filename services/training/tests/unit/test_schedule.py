"""Every date of a gathering must make sense; the error names the field."""

from datetime import datetime, timedelta

import pytest
from training_factories import NOW, gathering, schedule

from outreach_shared.bounds.times import TimeRules
from training.domain.errors import InvalidSchedule
from training.domain.schedule import Session, check_schedule

RULES = TimeRules()


def test_accepts_a_sensible_schedule() -> None:
    check_schedule(schedule(), now=NOW, rules=RULES)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": NOW + timedelta(days=39)}, "ends_at"),
        ({"ends_at": NOW + timedelta(days=49)}, "ends_at"),
        ({"registration_closes": NOW - timedelta(days=2)}, "registration_closes"),
        (
            {"registration_closes": NOW - timedelta(hours=1), "registration_opens": NOW - timedelta(days=3)},
            "registration_closes",
        ),
        ({"registration_closes": NOW + timedelta(days=40, hours=1)}, "registration_closes"),
        ({"withdrawal_deadline": NOW - timedelta(days=2)}, "withdrawal_deadline"),
        ({"withdrawal_deadline": NOW + timedelta(days=40, hours=1)}, "withdrawal_deadline"),
    ],
)
def test_refuses_a_date_that_makes_no_sense_naming_the_field(changes: dict, field: str) -> None:
    with pytest.raises(InvalidSchedule) as raised:
        check_schedule(schedule(**changes), now=NOW, rules=RULES)
    assert raised.value.field == field
    assert raised.value.status == 422


def test_refuses_a_session_outside_the_gathering() -> None:
    s = schedule()
    inside = Session("Storytelling", "storytelling", s.starts_at, s.starts_at + timedelta(hours=1))
    outside = Session("Slides", "slides", s.ends_at, s.ends_at + timedelta(hours=1))
    g = gathering(sessions=(inside, outside))
    with pytest.raises(InvalidSchedule) as raised:
        g.check(now=NOW, rules=RULES)
    assert raised.value.field == "sessions.1.ends_at"


def test_refuses_a_session_that_ends_before_it_starts() -> None:
    s = schedule()
    backwards = Session("Slides", "slides", s.starts_at + timedelta(hours=2), s.starts_at + timedelta(hours=1))
    with pytest.raises(InvalidSchedule) as raised:
        gathering(sessions=(backwards,)).check(now=NOW, rules=RULES)
    assert raised.value.field == "sessions.0.ends_at"


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"starts_at": datetime.fromisoformat("9999-12-31T10:00+01:00"),
          "ends_at": datetime.fromisoformat("9999-12-31T12:00+01:00")}, "starts_at", "at most 548 days ahead"),
        ({"starts_at": NOW + timedelta(days=40, hours=-11)}, "starts_at", "outside"),  # 03:00 Oslo time
        ({"ends_at": NOW + timedelta(days=41, hours=11)}, "ends_at", "outside"),  # 01:00 Oslo time the next night
        ({"registration_opens": datetime.fromisoformat("2025-03-30T02:30+01:00")}, "registration_opens",
         "does not exist in Europe/Oslo"),
        ({"withdrawal_deadline": datetime.fromisoformat("2025-10-26T02:30+01:00")}, "withdrawal_deadline",
         "happens twice in Europe/Oslo"),
    ],
)  # fmt: skip
def test_refuses_dates_out_of_bounds_naming_the_field(changes: dict, field: str, says: str) -> None:
    with pytest.raises(InvalidSchedule) as raised:
        check_schedule(schedule(**changes), now=NOW, rules=RULES)
    assert raised.value.field == field and says in raised.value.detail


def test_refuses_a_session_at_a_repeated_hour() -> None:
    later = NOW + timedelta(days=200)
    s = schedule(starts_at=datetime.fromisoformat("2025-10-25T10:00+02:00"),
                 ends_at=datetime.fromisoformat("2025-10-26T15:00+01:00"),
                 registration_closes=later, withdrawal_deadline=later)  # fmt: skip
    night = Session("Nattevandring", "other", datetime.fromisoformat("2025-10-26T02:30+02:00"),
                    datetime.fromisoformat("2025-10-26T03:30+01:00"))  # fmt: skip
    with pytest.raises(InvalidSchedule) as raised:
        gathering(schedule=s, sessions=(night,)).check(now=NOW, rules=RULES)
    assert raised.value.field == "sessions.0.starts_at"
