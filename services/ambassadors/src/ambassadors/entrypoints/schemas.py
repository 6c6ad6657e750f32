"""HTTP request and response bodies."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from ambassadors.domain.members import IsoWeekday, Member, MemberFields, Phone
from ambassadors.domain.offers import Offer, OfferStatus
from ambassadors.domain.visits import OfferOfVisit
from ambassadors.service_layer.roster_import import ImportReport
from outreach_shared.bounds.identifiers import Kommunenummer
from outreach_shared.bounds.text import NO_CONTROLS_BUT_LINES, UNIX_NEWLINES, Name
from outreach_shared.contracts.common import Language, Profession, TimeWindow, VisitKind
from outreach_shared.patch import PatchBody

Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), NO_CONTROLS_BUT_LINES, UNIX_NEWLINES]


class MemberIn(MemberFields):
    """A new member."""


class MemberPatch(PatchBody):
    """Fields to change; the others stay. `employer: null` clears the employer; no other field may be null.
    Each field has the bounds MemberFields gives it (a test keeps the two alike)."""

    CLEARABLE = frozenset({"employer"})

    name: Name | None = None
    profession: Profession | None = None
    kommunenummer: Kommunenummer | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    languages: list[Language] | None = Field(default=None, min_length=1, description="First is the preferred language")
    employer: Name | None = None
    max_visits_per_month: int | None = Field(default=None, ge=0, le=31)
    travel_radius_km: int | None = Field(default=None, ge=0, le=2000)
    weekdays: list[IsoWeekday] | None = Field(default=None, min_length=1)
    unavailable_dates: list[date] | None = Field(
        default=None, max_length=400, description="Days off; each within 548 days of today (the horizon)"
    )


class MemberOut(MemberFields):
    """A member of the roster."""

    id: str
    fylke: str
    active: bool
    trained_year: int | None

    @classmethod
    def of(cls, m: Member) -> "MemberOut":
        """From the domain member."""
        return cls.model_construct(
            **m.fields.model_dump(), id=m.id, fylke=m.fylke, active=m.active, trained_year=m.trained_year
        )


class DeclineIn(BaseModel):
    """Why the member declines (optional)."""

    reason: Reason | None = None


class OfferOut(BaseModel):
    """An offer as the member sees it, with the visit."""

    id: str
    visit_id: str
    status: OfferStatus
    window: TimeWindow
    expires_at: datetime
    reason: str
    school_name: str
    school_address: str
    kommunenummer: str
    kind: VisitKind
    language: Language
    audience_description: str
    pupils: int
    visit_status: str

    @classmethod
    def of(cls, seen: OfferOfVisit) -> "OfferOut":
        """From an offer and its visit."""
        offer, request = seen.offer, seen.request
        return cls(
            id=offer.id,
            visit_id=offer.visit_id,
            status=offer.status,
            window=offer.window,
            expires_at=offer.expires_at,
            reason=offer.reason,
            visit_status=seen.visit_status,
            school_name=request.school_name,
            school_address=request.school_address,
            kommunenummer=request.kommunenummer,
            kind=request.kind,
            language=request.language,
            audience_description=request.audience_description,
            pupils=request.pupils,
        )


class AnswerOut(BaseModel):
    """The offer after an answer."""

    id: str
    visit_id: str
    status: OfferStatus

    @classmethod
    def of(cls, offer: Offer) -> "AnswerOut":
        """From the answered offer."""
        return cls(id=offer.id, visit_id=offer.visit_id, status=offer.status)


class ImportOut(BaseModel):
    """What a roster import did (ids of the members)."""

    created: list[str]
    updated: list[str]
    unchanged: list[str]

    @classmethod
    def of(cls, report: ImportReport) -> "ImportOut":
        """From the service layer's report."""
        return cls(created=report.created, updated=report.updated, unchanged=report.unchanged)
