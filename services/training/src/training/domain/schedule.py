"""Date rules of a gathering: every date must make sense, or the field and the reason are named."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from outreach_shared.bounds.times import TimeRules, check_instant, check_local_time, check_window
from outreach_shared.errors import Invalid
from training.domain.errors import InvalidSchedule

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


def check_schedule(s: Schedule, *, now: datetime, rules: TimeRules) -> None:
    """Raise InvalidSchedule naming the first date that does not make sense or breaks the kit's time rules: the
    gathering within the horizon, at the day's hours, of its length; every date at an Oslo time that exists once."""
    _require(s.ends_at > s.starts_at, "ends_at", "must be after starts_at")
    try:
        check_window(
            s.starts_at, s.ends_at, hours=rules.gathering, now=now, rules=rules, fields=("starts_at", "ends_at")
        )
        for name in ("registration_opens", "registration_closes", "withdrawal_deadline"):
            check_instant(getattr(s, name), now=now, rules=rules, field=name)
    except Invalid as refused:
        raise InvalidSchedule(refused.detail, field=refused.field) from None
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
    """Raise InvalidSchedule unless every session ends after it starts, inside the gathering, at Oslo times that
    exist once."""
    for i, session in enumerate(sessions):
        _require(session.ends_at > session.starts_at, f"sessions.{i}.ends_at", "must be after its starts_at")
        _require(session.starts_at >= s.starts_at, f"sessions.{i}.starts_at", "is before the gathering starts")
        _require(session.ends_at <= s.ends_at, f"sessions.{i}.ends_at", "is after the gathering ends")
        try:
            check_local_time(session.starts_at, field=f"sessions.{i}.starts_at")
            check_local_time(session.ends_at, field=f"sessions.{i}.ends_at")
        except Invalid as refused:
            raise InvalidSchedule(refused.detail, field=refused.field) from None
