"""HTTP request and response bodies."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from ambassadors.domain.members import MAX_AWAY_RANGES, Away, IsoWeekday, Member, MemberFields, Phone, TimeOfDay
from ambassadors.domain.my_visits import Action, MemberStats, MyVisit, Totals
from ambassadors.domain.offers import Offer, OfferStatus
from ambassadors.domain.visits import OfferOfVisit
from ambassadors.service_layer.roster_import import ImportReport
from ambassadors.service_layer.self_service import MyVisits
from outreach_shared.bounds.identifiers import Kommunenummer
from outreach_shared.bounds.text import NO_CONTROLS_BUT_LINES, UNIX_NEWLINES, Name
from outreach_shared.contracts.common import Language, Profession, TimeWindow, VisitKind
from outreach_shared.municipalities import load_register
from outreach_shared.patch import PatchBody

Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), NO_CONTROLS_BUT_LINES, UNIX_NEWLINES]
GivenReason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), NO_CONTROLS_BUT_LINES, UNIX_NEWLINES
]
LANGUAGES_DOC = "First is the preferred language"
AWAY_DOC = "Date ranges away (a holiday); each date within 548 days of today (the horizon)"
TIMES_DOC = MemberFields.model_fields["times_of_day"].description
NOTICE_DOC = MemberFields.model_fields["notice_language"].description


class MemberIn(MemberFields):
    """A new member."""


class MemberPatch(PatchBody):
    """Fields to change; the others stay. `employer: null` clears the employer; no other field may be null.
    Each field has the bounds MemberFields gives it (a test keeps the two alike)."""

    CLEARABLE = frozenset({"employer", "notice_language"})

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
    unavailable: list[Away] | None = Field(default=None, max_length=MAX_AWAY_RANGES, description=AWAY_DOC)
    times_of_day: list[TimeOfDay] | None = Field(default=None, min_length=1, description=TIMES_DOC)
    notice_language: Language | None = Field(default=None, description=NOTICE_DOC)


class MePatch(PatchBody):
    """What a member changes about themselves, as a JSON merge patch: the fields left out stay, a list given replaces
    the whole list (`unavailable: []` clears every range away). `notice_language: null` means "the first of my
    languages"; no other field may be null. Profession, municipality and employer are the organisers' to change.
    Each field has the bounds MemberFields gives it (a test keeps the two alike)."""

    CLEARABLE = frozenset({"notice_language"})

    name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    languages: list[Language] | None = Field(default=None, min_length=1, description=LANGUAGES_DOC)
    notice_language: Language | None = Field(default=None, description=NOTICE_DOC)
    weekdays: list[IsoWeekday] | None = Field(default=None, min_length=1)
    times_of_day: list[TimeOfDay] | None = Field(default=None, min_length=1, description=TIMES_DOC)
    unavailable: list[Away] | None = Field(default=None, max_length=MAX_AWAY_RANGES, description=AWAY_DOC)
    max_visits_per_month: int | None = Field(default=None, ge=0, le=31)
    travel_radius_km: int | None = Field(default=None, ge=0, le=2000)


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
            **dict(m.fields), id=m.id, fylke=m.fylke, active=m.active, trained_year=m.trained_year
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


class ImportRowOut(BaseModel):
    """What the import did (or, in a dry run, would do) with one line of the file."""

    line: int = Field(description="The line in the file (the header is line 1)")
    member_id: str = Field(description="In a dry run, a new member's id is not kept")
    email: str
    name: str
    action: Literal["created", "updated", "unchanged"]
    changed: list[str] = Field(description="The fields an update changes")


class ImportOut(BaseModel):
    """What a roster import did (ids of the members), and line by line."""

    created: list[str]
    updated: list[str]
    unchanged: list[str]
    rows: list[ImportRowOut]

    @classmethod
    def of(cls, report: ImportReport) -> "ImportOut":
        """From the service layer's report."""
        rows = [ImportRowOut(line=r.line, member_id=r.member_id, email=r.email, name=r.name, action=r.action,
                             changed=list(r.changed)) for r in report.rows]  # fmt: skip
        return cls(created=report.created, updated=report.updated, unchanged=report.unchanged, rows=rows)


class WithdrawIn(BaseModel):
    """Why the member gives back a seat they accepted (required; the organisers see it)."""

    reason: GivenReason


class SchoolOut(BaseModel):
    """The school a visit is at."""

    name: str
    address: str
    kommunenummer: str
    kommune: str


class SeatOut(BaseModel):
    """The member's offer for the visit."""

    offer_id: str
    status: OfferStatus
    expires_at: datetime


class TeammateOut(BaseModel):
    """A member of the team: first name and profession."""

    first_name: str
    profession: Profession


class ExpectedOut(BaseModel):
    """What is still expected of the member: `answer_offer` by `due`, or `report` (pupils reached) after the visit."""

    action: Action
    due: datetime | None


class MyVisitOut(BaseModel):
    """A visit the member is offered or on, as they see it."""

    visit_id: str
    status: str = Field(description="open, confirmed, cancelled, released, or completed once reported")
    kind: VisitKind
    language: Language
    window: TimeWindow
    school: SchoolOut
    audience_description: str
    pupils: int
    seat: SeatOut
    team: list[TeammateOut] = Field(description="Members who accepted a seat")
    expected: list[ExpectedOut]

    @classmethod
    def of(cls, seen: MyVisit, now: datetime) -> "MyVisitOut":
        """From the member's view of a visit."""
        offer, r = seen.offer, seen.request
        return cls(
            visit_id=offer.visit_id,
            status=seen.status,
            kind=r.kind,
            language=r.language,
            window=offer.window,
            school=SchoolOut(
                name=r.school_name,
                address=r.school_address,
                kommunenummer=r.kommunenummer,
                kommune=load_register().get(r.kommunenummer).name,
            ),  # fmt: skip
            audience_description=r.audience_description,
            pupils=r.pupils,
            seat=SeatOut(offer_id=offer.id, status=offer.status, expires_at=offer.expires_at),
            team=[TeammateOut(first_name=t.first_name, profession=t.profession) for t in seen.team],
            expected=[ExpectedOut(action=e.action, due=e.due) for e in seen.expected(now)],
        )


class MyVisitsOut(BaseModel):
    """The member's visits: upcoming (not over yet, soonest first) and past ones they were on (latest first)."""

    upcoming: list[MyVisitOut]
    past: list[MyVisitOut]

    @classmethod
    def of(cls, visits: MyVisits, now: datetime) -> "MyVisitsOut":
        """From the service layer's lists."""
        return cls(upcoming=[MyVisitOut.of(v, now) for v in visits.upcoming],
                   past=[MyVisitOut.of(v, now) for v in visits.past])  # fmt: skip


class TotalsOut(BaseModel):
    """Visits done and pupils reached (from the visits reported)."""

    visits: int
    pupils_reached: int

    @classmethod
    def of(cls, totals: Totals) -> "TotalsOut":
        """From the domain's totals."""
        return cls(visits=totals.visits, pupils_reached=totals.pupils_reached)


class StatsOut(BaseModel):
    """The member's own totals: this school year (from 1 August, `school_year_from`) and all time."""

    school_year_from: date
    this_school_year: TotalsOut
    all_time: TotalsOut

    @classmethod
    def of(cls, stats: MemberStats) -> "StatsOut":
        """From the member's stats."""
        return cls(school_year_from=stats.school_year_from, this_school_year=TotalsOut.of(stats.this_school_year),
                   all_time=TotalsOut.of(stats.all_time))  # fmt: skip
