"""Date rules of a gathering: every date must make sense, or the field and the reason are named."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from training.domain.errors import InvalidSchedule

MAX_DURATION = timedelta(days=7)

SessionKind = Literal["presentation_technique", "storytelling", "slides", "experience_exchange", "other"]


@dataclass(frozen=True)
class Schedule:
    """When a gathering takes place and when members may register and withdraw."""

    starts_at: datetime
    ends_at: datetime
    registration_opens: datetime
    registration_closes: datetime
    withdrawal_deadline: datetime


@dataclass(frozen=True)
class Session:
    """An agenda item inside the gathering."""

    title: str
    kind: SessionKind
    starts_at: datetime
    ends_at: datetime


def _require(ok: bool, field: str, reason: str) -> None:
    if not ok:
        raise InvalidSchedule(f"{field}: {reason}", field=field)


def check_schedule(s: Schedule, *, now: datetime) -> None:
    """Raise InvalidSchedule naming the first date that does not make sense."""
    _require(s.ends_at > s.starts_at, "ends_at", "must be after starts_at")
    _require(s.ends_at - s.starts_at <= MAX_DURATION, "ends_at", "a gathering lasts at most 7 days")
    _require(
        s.registration_closes > s.registration_opens,
        "registration_closes",
        "must be after registration_opens",
    )
    _require(s.registration_closes > now, "registration_closes", "is already in the past")
    _require(s.registration_closes <= s.starts_at, "registration_closes", "must not be after the gathering starts")
    _require(
        s.withdrawal_deadline > s.registration_opens,
        "withdrawal_deadline",
        "must be after registration_opens",
    )
    _require(s.withdrawal_deadline <= s.starts_at, "withdrawal_deadline", "must not be after the gathering starts")


def check_sessions(sessions: Sequence[Session], s: Schedule) -> None:
    """Raise InvalidSchedule unless every session ends after it starts, inside the gathering."""
    for i, session in enumerate(sessions):
        _require(session.ends_at > session.starts_at, f"sessions.{i}.ends_at", "must be after its starts_at")
        _require(session.starts_at >= s.starts_at, f"sessions.{i}.starts_at", "is before the gathering starts")
        _require(session.ends_at <= s.ends_at, f"sessions.{i}.ends_at", "is after the gathering ends")
