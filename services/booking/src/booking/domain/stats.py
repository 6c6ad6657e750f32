"""Impact figures: visits, pupils and schools reached, ratings and coverage; by place, year, profession and kind."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from booking.domain.survey import SurveyFigures
from booking.domain.times import in_oslo, school_year
from booking.domain.values import Status

ADDITIVE = ("requested", "confirmed", "unfulfilled", "cancelled", "completed", "pupils_reached", "ratings")
"""The figures whose groups sum to the totals (schools are distinct per group, averages are not added)."""


@dataclass(frozen=True)
class StatsRow:
    """One visit as the figures see it."""

    kommunenummer: str
    municipality: str
    county_number: str
    county: str
    visit_date: datetime
    status: Status
    ever_confirmed: bool
    pupils_reached: int | None
    orgnr: str = ""
    kind: str = ""
    professions: tuple[str, ...] = ()
    rating: int | None = None

    @property
    def profession_key(self) -> str:
        """The professions the visit asked for, sorted and joined by `+` (one group per visit, so groups sum)."""
        return "+".join(sorted(set(self.professions)))


@dataclass
class Counts:
    """Figures for one group. `confirmed` counts visits that were ever confirmed (also later completed)."""

    requested: int = 0
    confirmed: int = 0
    unfulfilled: int = 0
    cancelled: int = 0
    completed: int = 0
    pupils_reached: int = 0
    ratings: int = 0
    rating_total: int = 0
    schools_booked: int = field(default=0, compare=False)
    """Distinct schools that asked for a visit in this group."""
    schools_reached: int = field(default=0, compare=False)
    """Distinct schools with a completed visit in this group."""
    booked: set[str] = field(default_factory=set, repr=False, compare=False)
    reached: set[str] = field(default_factory=set, repr=False, compare=False)

    def add(self, row: StatsRow) -> None:
        """Count one visit."""
        self.requested += 1
        self.confirmed += row.ever_confirmed
        self.unfulfilled += row.status == "unfulfilled"
        self.cancelled += row.status == "cancelled"
        self.completed += row.status == "completed"
        self.pupils_reached += row.pupils_reached or 0
        if row.rating is not None:
            self.ratings += 1
            self.rating_total += row.rating
        self.booked.add(row.orgnr)
        self.schools_booked = len(self.booked)
        if row.status == "completed":
            self.reached.add(row.orgnr)
            self.schools_reached = len(self.reached)

    @property
    def rating_average(self) -> float | None:
        """The schools' mean rating (1–5), two decimals; None without ratings."""
        return round(self.rating_total / self.ratings, 2) if self.ratings else None

    @property
    def coverage(self) -> float | None:
        """Schools reached / schools that booked (booking knows no register of all schools); None without bookings."""
        return round(self.schools_reached / self.schools_booked, 3) if self.schools_booked else None

    def figures(self) -> dict[str, int | float | None]:
        """Every figure by name, as the API and the exports show them."""
        return {
            **{name: getattr(self, name) for name in ADDITIVE},
            "rating_average": self.rating_average,
            "schools_reached": self.schools_reached,
            "schools_booked": self.schools_booked,
            "coverage": self.coverage,
        }


@dataclass
class Stats:
    """Totals and the same figures grouped by municipality, county, school year, profession, kind and month."""

    total: Counts = field(default_factory=Counts)
    by_municipality: dict[tuple[str, str], Counts] = field(default_factory=dict)
    by_county: dict[tuple[str, str], Counts] = field(default_factory=dict)
    by_school_year: dict[str, Counts] = field(default_factory=dict)
    survey: SurveyFigures = field(default_factory=SurveyFigures)
    """The pupils' answers, grouped the same way."""
    by_profession: dict[str, Counts] = field(default_factory=dict)
    by_kind: dict[str, Counts] = field(default_factory=dict)
    by_month: dict[str, Counts] = field(default_factory=dict)
    """By the visit date's month in Oslo, `YYYY-MM`."""


def tally(rows: Iterable[StatsRow]) -> Stats:
    """Add up the visits into totals and groups; every group's additive figures sum to the totals. (The service adds
    them up in the database, in one pass: `adapters/queries.py` `stats_query`; this is its reference.)"""
    stats = Stats()
    for row in rows:
        stats.total.add(row)
        stats.by_municipality.setdefault((row.kommunenummer, row.municipality), Counts()).add(row)
        stats.by_county.setdefault((row.county_number, row.county), Counts()).add(row)
        day = in_oslo(row.visit_date).date()
        year = school_year(day)
        stats.by_school_year.setdefault(year, Counts()).add(row)
        stats.by_profession.setdefault(row.profession_key, Counts()).add(row)
        stats.by_kind.setdefault(row.kind, Counts()).add(row)
        stats.by_month.setdefault(f"{day.year:04d}-{day.month:02d}", Counts()).add(row)
    return stats
