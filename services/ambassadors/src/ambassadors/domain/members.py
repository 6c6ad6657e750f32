"""The member: who they are, where they live and when they can go."""

from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from ambassadors.domain.phones import normalise_phone
from outreach_shared.bounds.identifiers import PHONE_PATTERN, Kommunenummer
from outreach_shared.bounds.text import Name
from outreach_shared.contracts.common import Language, Profession

ALL_LANGUAGES: tuple[Language, ...] = ("nb", "nn", "en")
WEEKDAYS_DEFAULT = (1, 2, 3, 4, 5)
IsoWeekday = Annotated[int, Field(ge=1, le=7)]
Phone = Annotated[
    str,
    StringConstraints(pattern=PHONE_PATTERN),
    Field(
        description="Any common format; stored in E.164 (default region Norway)", json_schema_extra={"format": "phone"}
    ),
]


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

    @field_validator("phone")
    @classmethod
    def _phone_e164(cls, value: str) -> str:
        return normalise_phone(value)

    @field_validator("email")
    @classmethod
    def _email_lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("languages", "weekdays")
    @classmethod
    def _dedupe(cls, value: list[Any]) -> list[Any]:
        return list(dict.fromkeys(value))

    @field_validator("unavailable_dates")
    @classmethod
    def _sorted_dates(cls, value: list[date]) -> list[date]:
        return sorted(set(value))


@dataclass(frozen=True)
class Member:
    """A member of the roster (ambassador or patrol member)."""

    id: str
    fields: MemberFields
    fylke: str
    active: bool = True
    trained_year: int | None = None

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
