"""Impact figures: visits requested, confirmed, unfulfilled, completed, pupils reached; by place and year."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from booking.domain.survey import SurveyFigures
from booking.domain.times import in_oslo, school_year
from booking.domain.values import Status


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
    rating: int | None = None
    """The school's rating, 1–5, if it gave one."""


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
    """How many visits the schools rated."""
    rating_sum: int = 0

    @property
    def rating_average(self) -> float | None:
        """The mean rating (1–5, two decimals), None without ratings."""
        return round(self.rating_sum / self.ratings, 2) if self.ratings else None

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
            self.rating_sum += row.rating


@dataclass
class Stats:
    """Totals and the same figures grouped by municipality, county and school year."""

    total: Counts = field(default_factory=Counts)
    by_municipality: dict[tuple[str, str], Counts] = field(default_factory=dict)
    by_county: dict[tuple[str, str], Counts] = field(default_factory=dict)
    by_school_year: dict[str, Counts] = field(default_factory=dict)
    survey: SurveyFigures = field(default_factory=SurveyFigures)
    """The pupils' answers, grouped the same way."""


def tally(rows: Iterable[StatsRow]) -> Stats:
    """Add up the visits into totals and groups; every group's figures sum to the totals."""
    stats = Stats()
    for row in rows:
        stats.total.add(row)
        stats.by_municipality.setdefault((row.kommunenummer, row.municipality), Counts()).add(row)
        stats.by_county.setdefault((row.county_number, row.county), Counts()).add(row)
        year = school_year(in_oslo(row.visit_date).date())
        stats.by_school_year.setdefault(year, Counts()).add(row)
    return stats
