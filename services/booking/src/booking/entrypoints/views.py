"""HTTP response bodies, built from domain objects; times are given in Europe/Oslo."""

from datetime import datetime

from pydantic import BaseModel

from booking.adapters.contacts import Contact
from booking.adapters.queries import VisitSummary
from booking.domain.model import Visit
from booking.domain.stats import Counts, Stats
from booking.domain.times import in_oslo, window_in_oslo
from booking.domain.values import Status
from outreach_shared.contracts.common import Language, Profession, TimeWindow, VisitKind


class Created(BaseModel):
    """A new visit request."""

    id: str
    status: Status


class TeamMemberOut(BaseModel):
    """A team member as the school sees them."""

    first_name: str
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


def visit_out(visit: Visit, contact: Contact | None) -> VisitOut:
    """The full view of one visit."""
    s, d, c, r, g = visit.school, visit.details, visit.cancellation, visit.report, visit.rating
    return VisitOut(
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
        report=r and {"pupils_reached": r.pupils_reached, "notes": r.notes, "at": in_oslo(r.at)},
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


class VisitPage(BaseModel):
    """One page of visits."""

    items: list[VisitSummaryOut]
    total: int
    limit: int
    offset: int


def page_out(items: list[VisitSummary], total: int, limit: int, offset: int) -> VisitPage:
    """A page of visit summaries."""
    return VisitPage(
        items=[
            VisitSummaryOut(
                **{k: v for k, v in i.__dict__.items() if not k.startswith("scheduled_")},
                scheduled=TimeWindow(start=in_oslo(i.scheduled_start), end=in_oslo(i.scheduled_end))
                if i.scheduled_start and i.scheduled_end
                else None,
            )
            for i in items
        ],
        total=total,
        limit=limit,
        offset=offset,
    )


class CountsOut(BaseModel):
    """Figures of one group; `confirmed` counts visits ever confirmed (including later completed)."""

    requested: int
    confirmed: int
    unfulfilled: int
    cancelled: int
    completed: int
    pupils_reached: int


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


class StatsOut(BaseModel):
    """Impact figures: totals, and by municipality, county and school year (each sums to the totals)."""

    total: CountsOut
    by_municipality: list[MunicipalityCounts]
    by_county: list[CountyCounts]
    by_school_year: list[SchoolYearCounts]


def stats_out(stats: Stats) -> StatsOut:
    """The figures as a response, groups sorted by key."""

    def figures(c: Counts) -> dict[str, int]:
        return dict(c.__dict__)

    return StatsOut(
        total=CountsOut(**figures(stats.total)),
        by_municipality=[
            MunicipalityCounts(kommunenummer=k, name=n, **figures(c))
            for (k, n), c in sorted(stats.by_municipality.items())
        ],
        by_county=[
            CountyCounts(county_number=k, county=n, **figures(c)) for (k, n), c in sorted(stats.by_county.items())
        ],
        by_school_year=[SchoolYearCounts(school_year=y, **figures(c)) for y, c in sorted(stats.by_school_year.items())],
    )
