"""HTTP request bodies (shape and field rules, each failure naming its field) and response models (built from
domain values with `XOut.of(...)`; times are given in Europe/Oslo)."""

import re
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any

import phonenumbers
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema
from pydantic.networks import validate_email

from booking.domain.feedback import FeedbackView
from booking.domain.listing import VisitSummary
from booking.domain.model import ShownVisit
from booking.domain.stats import Counts, Stats
from booking.domain.survey import Tally
from booking.domain.times import in_oslo, window_in_oslo
from booking.domain.values import Status
from outreach_shared.bounds.identifiers import ORGNR_PATTERN, PHONE_PATTERN, Kommunenummer
from outreach_shared.bounds.text import Line, Lines, Name
from outreach_shared.contracts.common import Language, Profession, TimeWindow, VisitKind
from outreach_shared.orgnr import is_valid_orgnr


def _check_orgnr(value: str) -> str:
    if not is_valid_orgnr(value):
        raise ValueError("not a valid organisation number: nine digits with a mod-11 check digit")
    return value


_NORWEGIAN_E164 = re.compile(r"\+47[1-9][0-9]{7}")
"""A Norwegian number written as E.164 already: what `phonenumbers.parse` makes of it is known without parsing."""


def _parsed(value: str) -> phonenumbers.PhoneNumber:
    if _NORWEGIAN_E164.fullmatch(value):  # the common case; parsing it was half of the check's cost
        return phonenumbers.PhoneNumber(country_code=47, national_number=int(value[3:]))
    try:
        return phonenumbers.parse(value, "NO")
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None


REMEMBERED_CONTACTS = 4096
"""How many e-mail addresses and phone numbers each of the two checks below remembers as valid (LRU): a school's
contact writes the same ones in every request, and checking them afresh was half of validating a visit request
(e-mail ~31 us, phone ~16 us of ~100 us). Only valid values are remembered: a check that fails is not cached."""


@lru_cache(maxsize=REMEMBERED_CONTACTS)
def _e164(value: str) -> str:
    number = _parsed(value)
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number (Norwegian by default, or give +country code)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=REMEMBERED_CONTACTS)
def _email(value: str) -> str:
    """EmailStr's own check and normalisation (pydantic's `validate_email`, the same errors), remembered."""
    return validate_email(value)[1]


Email = Annotated[str, AfterValidator(_email), WithJsonSchema({"type": "string", "format": "email", "maxLength": 254})]
"""An e-mail address as `EmailStr` checks and writes it (and documents it in OpenAPI)."""


def _distinct(values: list[Profession]) -> list[Profession]:
    if len(set(values)) != len(values):
        raise ValueError("each profession may be given once")
    return values


WINDOW_RULES = (
    "Preferred times, ISO 8601 with offset. With the default settings each window starts at least 7 days and ends "
    "at most 548 days ahead, lasts 30 minutes to 12 hours within one day, at Europe/Oslo times that exist once (not "
    "in the hour skipped or repeated at a clock change), and for school visits, career days and digital visits "
    "on Monday–Friday 08:00–16:00, for education fairs on any day 08:00–22:00. A window that breaks a rule is "
    "refused with 422 naming it (`windows.N.start` or `windows.N.end`)."
)


class Body(BaseModel):
    """Base of request bodies: unknown fields refused."""

    model_config = ConfigDict(extra="forbid")


Orgnr = Annotated[
    str,
    StringConstraints(pattern=ORGNR_PATTERN),
    AfterValidator(_check_orgnr),
    Field(json_schema_extra={"format": "no-orgnr"}, description="Nine digits, the last a mod-11 check digit"),
]
Phone = Annotated[
    str,
    StringConstraints(pattern=PHONE_PATTERN),
    AfterValidator(_e164),
    Field(
        json_schema_extra={"format": "phone"},
        description="A valid phone number in any common format, Norwegian unless it starts with +country code",
    ),
]


class SchoolIn(Body):
    """The requesting school."""

    orgnr: Orgnr
    name: Name
    kommunenummer: Kommunenummer
    address: Line


class ContactIn(Body):
    """The school's contact person."""

    name: Name
    email: Email
    phone: Phone


class AudienceIn(Body):
    """Who the visit is for."""

    description: Line = Field(examples=["10. trinn", "Vg1 helse- og oppvekstfag"])
    pupils: int = Field(ge=1, le=5000)


class VisitRequestIn(Body):
    """A school's request for a visit."""

    school: SchoolIn
    contact: ContactIn
    kind: VisitKind
    audience: AudienceIn
    professions: Annotated[list[Profession], Field(min_length=1, max_length=2), AfterValidator(_distinct)]
    language: Language = "nb"
    windows: list[TimeWindow] = Field(min_length=1, max_length=5, description=WINDOW_RULES)
    team_size: int = Field(default=2, ge=1, le=4)
    notes: Lines | None = None


class CancelIn(Body):
    """Why the visit is cancelled."""

    reason: Line


class RescheduleIn(Body):
    """New preferred windows."""

    windows: list[TimeWindow] = Field(min_length=1, max_length=5, description=WINDOW_RULES)


class ReportIn(Body):
    """A team member's report after the visit."""

    pupils_reached: int = Field(ge=0, le=10_000)
    notes: Lines | None = None


class CompleteIn(Body):
    """An organiser marks the visit completed on the team's behalf."""

    pupils_reached: int | None = Field(
        default=None, ge=0, le=10_000, description="When not given: the pupils the school registered"
    )
    notes: Lines | None = None


class RatingIn(Body):
    """The school's rating after the visit."""

    rating: int = Field(ge=1, le=5)
    comment: Lines | None = None


class FeedbackIn(Body):
    """A school's answer through its feedback link. Nothing about individual pupils is asked for."""

    rating: int = Field(ge=1, le=5, description="How the visit went, 1 (poor) to 5 (excellent)")
    comment: Lines | None = Field(
        default=None, description="Optional, about the visit as a whole (please name no pupils); up to 2,000 characters"
    )


# --- responses -----------------------------------------------------------------------------------


class Created(BaseModel):
    """A new visit request."""

    id: str
    status: Status


class TeamMemberOut(BaseModel):
    """A team member as the school sees them."""

    first_name: str | None = Field(description="From the member's details; null while they have not reached booking")
    profession: Profession


class HistoryOut(BaseModel):
    """One status change."""

    status: Status
    at: datetime
    note: str | None = None


class VisitOut(BaseModel):
    """A visit request with its status, schedule, team and history."""

    id: str
    status: Status
    school: dict[str, str]
    contact: dict[str, str] | None
    kind: VisitKind
    audience: dict[str, str | int]
    professions: list[Profession]
    language: Language
    team_size: int
    notes: str | None
    windows: list[TimeWindow]
    scheduled: TimeWindow | None
    team: list[TeamMemberOut]
    calendar_sequence: int
    history: list[HistoryOut]
    cancellation: dict[str, str | bool | datetime] | None
    report: dict[str, str | int | datetime | None] | None
    rating: dict[str, str | int | datetime | None] | None
    created_at: datetime

    @classmethod
    def of(cls, shown: ShownVisit) -> "VisitOut":
        """The full view of one visit."""
        visit, contact = shown.visit, shown.contact
        s, d, c, r, g = visit.school, visit.details, visit.cancellation, visit.report, visit.rating
        return cls(
            id=visit.id,
            status=visit.status,
            school={"orgnr": s.orgnr, "name": s.name, "kommunenummer": s.kommunenummer, "address": s.address},
            contact=contact and {"name": contact.name, "email": contact.email, "phone": contact.phone},
            kind=d.kind,
            audience={"description": d.audience_description, "pupils": d.pupils},
            professions=list(d.professions),
            language=d.language,
            team_size=d.team_size,
            notes=d.notes,
            windows=[window_in_oslo(w) for w in visit.windows],
            scheduled=visit.scheduled and window_in_oslo(visit.scheduled),
            team=[TeamMemberOut(first_name=m.first_name, profession=m.profession) for m in visit.team],
            calendar_sequence=visit.calendar_sequence,
            history=[HistoryOut(status=h.status, at=in_oslo(h.at), note=h.note) for h in visit.history],
            cancellation=c and {"reason": c.reason, "by": c.by, "at": in_oslo(c.at), "late": c.late},
            report=r and {"pupils_reached": r.pupils_reached, "notes": r.notes, "at": in_oslo(r.at), "by": r.by},
            rating=g and {"rating": g.score, "comment": g.comment, "at": in_oslo(g.at)},
            created_at=in_oslo(visit.created_at),
        )


class VisitSummaryOut(BaseModel):
    """A visit in a list."""

    id: str
    status: Status
    orgnr: str
    school_name: str
    kommunenummer: str
    county_number: str
    kind: str
    visit_date: datetime
    scheduled: TimeWindow | None
    created_at: datetime
    team: list[TeamMemberOut] = Field(description="First names and professions, once confirmed (empty before)")

    @classmethod
    def of(cls, i: VisitSummary) -> "VisitSummaryOut":
        """A visit in a list, its times in Oslo."""
        scheduled = None
        if i.scheduled_start and i.scheduled_end:
            scheduled = TimeWindow(start=in_oslo(i.scheduled_start), end=in_oslo(i.scheduled_end))
        columns = {k: v for k, v in i.__dict__.items() if not k.startswith("scheduled_") and k != "team"}
        team = [TeamMemberOut(first_name=m.first_name, profession=m.profession) for m in i.team]
        return cls(**columns, scheduled=scheduled, team=team)


class VisitPage(BaseModel):
    """One page of visits."""

    items: list[VisitSummaryOut]
    total: int | None = Field(description="How many visits match in all; null when asked not to count (`count=false`)")
    limit: int
    offset: int
    next: str | None = Field(default=None, description="The cursor of the next page (`after=`); null on the last page")

    @classmethod
    def of(
        cls, items: list[VisitSummary], total: int | None, limit: int, offset: int, following: str | None = None
    ) -> "VisitPage":
        """A page of visit summaries."""
        return cls(items=[VisitSummaryOut.of(i) for i in items], total=total, limit=limit, offset=offset,
                   next=following)  # fmt: skip


class SurveyFiguresOut(BaseModel):
    """Pupils' answers in one group of the impact figures (null for a group with fewer than 5 answers)."""

    answers: int
    imagine_yes: int
    imagine_maybe: int
    imagine_no: int
    share_imagine_yes: float | None = Field(description="The share of pupils who could imagine a health career")

    @classmethod
    def of(cls, tally: Tally | None) -> "SurveyFiguresOut | None":
        """The group's figures, or None below 5 answers."""
        if tally is None or not tally.shown:
            return None
        i = tally.imagine
        return cls(answers=tally.answers, imagine_yes=i["yes"], imagine_maybe=i["maybe"], imagine_no=i["no"],
                   share_imagine_yes=tally.share_imagine_yes)  # fmt: skip


class CountsOut(BaseModel):
    """Figures of one group; `confirmed` counts visits ever confirmed (including later completed)."""

    requested: int
    confirmed: int
    unfulfilled: int
    cancelled: int
    completed: int
    pupils_reached: int
    ratings: int = Field(description="Visits the school rated")
    rating_average: float | None = Field(description="Mean rating 1–5 of the rated visits; null without ratings")
    schools_reached: int = Field(description="Distinct schools with a completed visit (distinct per group)")
    schools_booked: int = Field(description="Distinct schools that asked for a visit (distinct per group)")
    coverage: float | None = Field(
        description="schools_reached / schools_booked: booking knows only the schools that booked, no school register"
    )
    survey: SurveyFiguresOut | None = Field(default=None, description="Pupils' survey answers after the group's "
                                            "visits; null below 5 answers")  # fmt: skip


class MunicipalityCounts(CountsOut):
    """Figures of one municipality."""

    kommunenummer: str
    name: str


class CountyCounts(CountsOut):
    """Figures of one county."""

    county_number: str
    county: str


class SchoolYearCounts(CountsOut):
    """Figures of one school year (1 Aug – 31 Jul)."""

    school_year: str


class ProfessionCounts(CountsOut):
    """Figures of the visits that asked for one combination of professions (e.g. `doctor+nurse`)."""

    professions: str


class KindCounts(CountsOut):
    """Figures of one kind of visit."""

    kind: str


class MonthCounts(CountsOut):
    """Figures of the visits in one month (by the visit date in Oslo)."""

    month: str = Field(description="`YYYY-MM`")


class StatsOut(BaseModel):
    """Impact figures: totals, and by municipality, county and school year (each sums to the totals)."""

    total: CountsOut
    by_municipality: list[MunicipalityCounts]
    by_county: list[CountyCounts]
    by_school_year: list[SchoolYearCounts]
    by_profession: list[ProfessionCounts]
    by_kind: list[KindCounts]
    by_month: list[MonthCounts] = Field(description="By the visit date's month in Oslo, oldest first")

    @classmethod
    def of(cls, stats: Stats) -> "StatsOut":
        """The figures as a response, groups sorted by key."""

        def figures(c: Counts) -> dict[str, Any]:
            return c.figures()

        s = stats.survey
        return cls(
            total=CountsOut(**figures(stats.total), survey=SurveyFiguresOut.of(s.total)),
            by_municipality=[
                MunicipalityCounts(kommunenummer=k, name=n, **figures(c),
                                   survey=SurveyFiguresOut.of(s.by_municipality.get((k, n))))  # fmt: skip
                for (k, n), c in sorted(stats.by_municipality.items())
            ],
            by_county=[
                CountyCounts(county_number=k, county=n, **figures(c),
                             survey=SurveyFiguresOut.of(s.by_county.get((k, n))))  # fmt: skip
                for (k, n), c in sorted(stats.by_county.items())
            ],
            by_school_year=[
                SchoolYearCounts(school_year=y, **figures(c), survey=SurveyFiguresOut.of(s.by_school_year.get(y)))
                for y, c in sorted(stats.by_school_year.items())
            ],
            by_profession=[
                ProfessionCounts(professions=p, **figures(c)) for p, c in sorted(stats.by_profession.items())
            ],
            by_kind=[KindCounts(kind=k, **figures(c)) for k, c in sorted(stats.by_kind.items())],
            by_month=[MonthCounts(month=m, **figures(c)) for m, c in sorted(stats.by_month.items())],
        )


class FeedbackOut(BaseModel):
    """What a feedback link rates: the school, the visit's time and the team's professions; whether it was
    answered already, and until when the link works."""

    visit_id: str
    school_name: str
    kind: VisitKind
    visit_date: datetime
    scheduled: TimeWindow
    professions: list[Profession]
    """The team's professions, one per member (no names: the link may be forwarded)."""
    expires_at: datetime
    answered: bool
    rating: int | None

    @classmethod
    def of(cls, view: FeedbackView) -> "FeedbackOut":
        """The link's view of its visit, times in Oslo."""
        visit = view.visit
        assert visit.scheduled is not None  # a completed visit was scheduled
        return cls(
            visit_id=visit.id,
            school_name=visit.school.name,
            kind=visit.details.kind,
            visit_date=in_oslo(visit.scheduled.start),
            scheduled=window_in_oslo(visit.scheduled),
            professions=[m.profession for m in visit.team] or list(visit.details.professions),
            expires_at=in_oslo(view.link.expires_at),
            answered=view.answered,
            rating=visit.rating.score if visit.rating else None,
        )
