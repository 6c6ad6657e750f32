"""Value types used by several events."""

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

Profession = Literal["nurse", "health_worker"]
"""`nurse` is an ambassador (sykepleier); `health_worker` a recruitment-patrol member (helsefagarbeider)."""

Language = Literal["nb", "nn", "en"]
"""Bokmål (default), Nynorsk, English."""

VisitKind = Literal["school_visit", "education_fair", "career_day", "digital_visit"]


class Payload(BaseModel):
    """Base of every event payload: immutable, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class TimeWindow(Payload):
    """A span of time with explicit offsets."""

    start: AwareDatetime
    end: AwareDatetime


class TeamMember(Payload):
    """A member of a visit's team: the member's id and profession. Events carry no names: a service that shows a
    first name keeps it from the compacted members topic, where the member's erasure removes it."""

    member_id: str
    profession: Profession
    first_name: str | None = None
    """Never sent any more; records written before carried the first name here (read, then ignored)."""


class Venue(Payload):
    """Where a gathering is held."""

    name: str
    address: str
    kommunenummer: str
