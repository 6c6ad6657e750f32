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
    """A member of a visit's team as others may see them: first name and profession only."""

    member_id: str
    first_name: str
    profession: Profession


class Venue(Payload):
    """Where a gathering is held."""

    name: str
    address: str
    kommunenummer: str
