"""Every date of a gathering must make sense; the error names the field."""

from datetime import timedelta

import pytest
from training_factories import NOW, gathering, schedule

from training.domain.errors import InvalidSchedule
from training.domain.schedule import Session, check_schedule


def test_accepts_a_sensible_schedule() -> None:
    check_schedule(schedule(), now=NOW)


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
        check_schedule(schedule(**changes), now=NOW)
    assert raised.value.field == field
    assert raised.value.status == 422


def test_refuses_a_session_outside_the_gathering() -> None:
    s = schedule()
    inside = Session("Storytelling", "storytelling", s.starts_at, s.starts_at + timedelta(hours=1))
    outside = Session("Slides", "slides", s.ends_at, s.ends_at + timedelta(hours=1))
    g = gathering(sessions=(inside, outside))
    with pytest.raises(InvalidSchedule) as raised:
        g.check(now=NOW)
    assert raised.value.field == "sessions.1.ends_at"


def test_refuses_a_session_that_ends_before_it_starts() -> None:
    s = schedule()
    backwards = Session("Slides", "slides", s.starts_at + timedelta(hours=2), s.starts_at + timedelta(hours=1))
    with pytest.raises(InvalidSchedule) as raised:
        gathering(sessions=(backwards,)).check(now=NOW)
    assert raised.value.field == "sessions.0.ends_at"
