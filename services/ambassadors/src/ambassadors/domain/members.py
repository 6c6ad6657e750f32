"""The member: who they are, where they live and when they can go."""

from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator, model_validator

from ambassadors.domain.phones import normalise_phone
from outreach_shared.bounds.identifiers import PHONE_PATTERN, Kommunenummer
from outreach_shared.bounds.text import Line, Name
from outreach_shared.contracts.common import Language, Profession

ALL_LANGUAGES: tuple[Language, ...] = ("nb", "nn", "en")
WEEKDAYS_DEFAULT = (1, 2, 3, 4, 5)
IsoWeekday = Annotated[int, Field(ge=1, le=7)]
TimeOfDay = Literal["morning", "midday", "afternoon"]
"""Parts of the day in Oslo time: morning before 11:00, midday 11:00–13:00, afternoon from 13:00."""
ALL_DAY: tuple[TimeOfDay, ...] = ("morning", "midday", "afternoon")
MAX_AWAY_RANGES = 50
Phone = Annotated[
    str,
    StringConstraints(pattern=PHONE_PATTERN),
    Field(
        description="Any common format; stored in E.164 (default region Norway)", json_schema_extra={"format": "phone"}
    ),
]


class Away(BaseModel):
    """Dates the member is away (a holiday), both included; each within the horizon of today when given."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    from_: date = Field(alias="from", description="The first day away")
    to: date = Field(description="The last day away (on or after `from`)")
    note: Line | None = None

    @model_validator(mode="after")
    def _in_order(self) -> "Away":
        if self.to < self.from_:
            raise ValueError("`to` must be on or after `from`")
        return self

    def covers(self, day: date) -> bool:
        """True when the member is away that day."""
        return self.from_ <= day <= self.to


class MemberFields(BaseModel):
    """A member's editable details, validated (phone to E.164, languages deduplicated)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    profession: Profession
    kommunenummer: Kommunenummer
    email: EmailStr
    phone: Phone
    languages: list[Language] = Field(min_length=1, description="First is the preferred language")
    employer: Name | None = None
    max_visits_per_month: int = Field(default=4, ge=0, le=31)
    travel_radius_km: int = Field(default=50, ge=0, le=2000)
    weekdays: list[IsoWeekday] = Field(default_factory=lambda: list(WEEKDAYS_DEFAULT), min_length=1)
    unavailable_dates: list[date] = Field(
        default_factory=list, max_length=400, description="Days off; each within 548 days of today (the horizon)"
    )
    unavailable: list[Away] = Field(
        default_factory=list,
        max_length=MAX_AWAY_RANGES,
        description="Date ranges away (a holiday); each date within 548 days of today (the horizon)",
    )
    times_of_day: list[TimeOfDay] = Field(
        default_factory=lambda: list(ALL_DAY),
        min_length=1,
        description="Parts of the day (Oslo time) the member can go: morning before 11:00, midday 11:00–13:00, "
        "afternoon from 13:00; a visit must lie within the parts given",
    )
    notice_language: Language | None = Field(
        default=None, description="The language of the member's notices; null: the first of `languages`"
    )

    @field_validator("phone")
    @classmethod
    def _phone_e164(cls, value: str) -> str:
        return normalise_phone(value)

    @field_validator("email")
    @classmethod
    def _email_lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("languages", "weekdays", "times_of_day")
    @classmethod
    def _dedupe(cls, value: list[Any]) -> list[Any]:
        return list(dict.fromkeys(value))

    @field_validator("unavailable_dates")
    @classmethod
    def _sorted_dates(cls, value: list[date]) -> list[date]:
        return sorted(set(value))

    @field_validator("unavailable")
    @classmethod
    def _sorted_ranges(cls, value: list[Away]) -> list[Away]:
        return sorted(dict.fromkeys(value), key=lambda a: (a.from_, a.to))


@dataclass(frozen=True)
class Member:
    """A member of the roster (ambassador or patrol member)."""

    id: str
    fields: MemberFields
    fylke: str
    active: bool = True
    trained_year: int | None = None

    @property
    def preferred_language(self) -> Language:
        """The language of the member's notices."""
        return self.fields.notice_language or self.fields.languages[0]

    @property
    def first_name(self) -> str:
        """The first word of the name, as others see it."""
        return self.fields.name.split()[0]

    def with_fields(self, fields: MemberFields, fylke: str) -> "Member":
        """The same member with new details."""
        return replace(self, fields=fields, fylke=fylke)

    def with_active(self, active: bool) -> "Member":
        """The same member, activated or deactivated."""
        return replace(self, active=active)

    def with_trained(self, year: int) -> "Member":
        """The same member, trained in `year` (a later year is kept)."""
        return replace(self, trained_year=max(year, self.trained_year or year))
