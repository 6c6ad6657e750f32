"""Value objects of a visit: the school, what was asked for, its history, cancellation, report and rating."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from outreach_shared.contracts.common import Language, Profession, VisitKind

Status = Literal["requested", "offered", "confirmed", "unfulfilled", "cancelled", "completed"]
STATUSES: tuple[Status, ...] = ("requested", "offered", "confirmed", "unfulfilled", "cancelled", "completed")
ENDED: tuple[Status, ...] = ("completed", "cancelled", "unfulfilled")
"""Statuses in which, once the visit's date has passed, nothing more happens to it."""


@dataclass(frozen=True)
class School:
    """The requesting school."""

    orgnr: str
    name: str
    kommunenummer: str
    address: str


@dataclass(frozen=True)
class VisitDetails:
    """What the school asked for."""

    kind: VisitKind
    audience_description: str
    pupils: int
    professions: tuple[Profession, ...]
    language: Language
    team_size: int
    notes: str | None = None


@dataclass(frozen=True)
class StatusChange:
    """One entry of the status history."""

    status: Status
    at: datetime
    note: str | None = None


@dataclass(frozen=True)
class Cancellation:
    """Why, by whom and when a visit was cancelled, and whether it was late."""

    reason: str
    by: str
    at: datetime
    late: bool


@dataclass(frozen=True)
class Report:
    """A team member's report after the visit."""

    member_id: str
    pupils_reached: int
    notes: str | None
    at: datetime
    by: str = "member"
    """Who reported: `member` (of the team, `member_id`), or `organiser` on the team's behalf (no member id)."""
    organiser: str | None = None
    """Which organiser marked it completed (`organiser:<id>`), for the audit trail."""


@dataclass(frozen=True)
class Rating:
    """The school's rating of the visit."""

    score: int
    comment: str | None
    at: datetime


@dataclass(frozen=True)
class Contact:
    """The school's contact person for a visit; phone in E.164."""

    name: str
    email: str
    phone: str
