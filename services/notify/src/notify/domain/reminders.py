"""When reminders fall due, and the timer keys that let a visit or gathering withdraw them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from notify.domain.notices import Recipient

VISIT_REMINDER = "visit-reminder"
GATHERING_REMINDER = "gathering-reminder"
DIGEST = "organiser-digest"


@dataclass(frozen=True)
class Reminder:
    """One reminder timer: its key and when it is due."""

    key: str
    due_at: datetime


def label(offset: timedelta) -> str:
    """A short, stable label of an offset for timer keys, e.g. `P7D`, `PT3600S`."""
    if offset.seconds == 0 and offset.microseconds == 0:
        return f"P{offset.days}D"
    return f"PT{int(offset.total_seconds())}S"


def visit_prefix(visit_id: str) -> str:
    """The key prefix of every reminder of a visit."""
    return f"visit:{visit_id}:"


def gathering_prefix(gathering_id: str, member_id: str | None = None) -> str:
    """The key prefix of a gathering's reminders (of one member, when given)."""
    return f"gathering:{gathering_id}:" + (f"{Recipient.member(member_id).key}:" if member_id else "")


def before(prefix: str, start: datetime, offsets: list[timedelta], now: datetime) -> list[Reminder]:
    """Reminders `offsets` before `start`; those already past are left out."""
    due = [Reminder(f"{prefix}{label(o)}", start - o) for o in offsets]
    return [r for r in due if r.due_at > now]


def after(prefix: str, end: datetime, delay: timedelta, now: datetime) -> list[Reminder]:
    """One reminder `delay` after `end` (e.g. the thank-you), unless already past."""
    due = end + delay
    return [Reminder(f"{prefix}after-{label(delay)}", due)] if due > now else []
