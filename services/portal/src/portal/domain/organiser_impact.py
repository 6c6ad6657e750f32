"""The organisers' impact page and visit list, as pure view models: school years, bar charts and the map of Norway
(drawn by the templates as SVG from the numbers here), and the list's filters.

Every chart is horizontal bars, one row a group, the label left of the bar and the figure at its end, so a chart
reads like the table that follows it. The map places each kommune's centroid by an equirectangular projection
fitted to Norway's bounding box (x scaled by the cosine of the middle latitude, so the country keeps its shape)."""

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from portal.i18n import N_

YEAR_PATTERN = re.compile(r"\d{4}-\d{2}")
"""A school year in a URL: `2026-27` (booking writes `2026/27`)."""
FIRST_YEAR, LAST_YEAR = 2000, 2098
"""The school years the page offers (booking's filters take dates from 2000 to 2099)."""
MONTHS = (N_("August"), N_("September"), N_("October"), N_("November"), N_("December"), N_("January"),
          N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"))  # fmt: skip
"""The months of a school year, in its order."""


def school_year_of(day: date) -> str:
    """The school year (1 August – 31 July) a day is in, as `2026-27`."""
    first = day.year if day.month >= 8 else day.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def parse_school_year(text: str | None) -> str | None:
    """`2026-27` if `text` is a school year the page offers, else None."""
    if text is None or not YEAR_PATTERN.fullmatch(text):
        return None
    first, second = int(text[:4]), int(text[5:])
    if not FIRST_YEAR <= first <= LAST_YEAR or second != (first + 1) % 100:
        return None
    return text


def booking_year(year: str) -> str:
    """The school year as booking's filter writes it: `2026/27`."""
    return year.replace("-", "/")


def years_to_choose(current: str, chosen: str) -> list[str]:
    """The school years the form offers: ten back from the current one, the next, and the chosen one; newest first."""
    first = int(current[:4])
    years = {f"{y}-{(y + 1) % 100:02d}" for y in range(max(FIRST_YEAR, first - 10), min(LAST_YEAR, first + 1) + 1)}
    return sorted(years | {chosen}, reverse=True)


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: its label, its figure (as shown) and the bar's length in the chart's units."""

    label: str
    value: float | int | None
    shown: str
    length: float
    y: float


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: bars of at most `WIDTH` units, `ROW` units apart."""

    bars: tuple[Bar, ...]
    height: float

    LABEL = 170.0
    """Room for the labels, left of the bars."""
    WIDTH = 260.0
    """The longest bar."""
    ROW = 22.0

    @property
    def total_width(self) -> float:
        """The width of the whole drawing (labels, bars and room for the figure after the longest)."""
        return self.LABEL + self.WIDTH + 60.0


def bar_chart(
    rows: Iterable[tuple[str, float | int | None]], *, top: float | None = None, decimals: int = 0
) -> BarChart:
    """Bars for (label, figure) rows in their order; the longest is the largest figure (or `top`, e.g. 5 for
    ratings). A figure of None (no ratings) has no bar and is shown as a dash."""
    rows = list(rows)
    largest = top or max((v for _, v in rows if v is not None), default=0) or 1
    bars = tuple(
        Bar(label, value, "–" if value is None else f"{value:.{decimals}f}",
            0.0 if value is None else round(BarChart.WIDTH * min(value, largest) / largest, 1),
            i * BarChart.ROW)  # fmt: skip
        for i, (label, value) in enumerate(rows)
    )
    return BarChart(bars, max(len(bars), 1) * BarChart.ROW)


def month_rows(by_month: Sequence[Mapping[str, Any]], year: str) -> list[tuple[str, Mapping[str, Any]]]:
    """Every month of the school year in order (August first), each with booking's figures (empty if none)."""
    first = int(year[:4])
    found = {m["month"]: m for m in by_month}
    keys = [f"{first}-{m:02d}" for m in range(8, 13)] + [f"{first + 1}-{m:02d}" for m in range(1, 8)]
    return [(MONTHS[i], found.get(key, {})) for i, key in enumerate(keys)]


@dataclass(frozen=True)
class Dot:
    """A kommune on the map: where, how large, and what it says."""

    kommunenummer: str
    name: str
    x: float
    y: float
    r: float
    visits: int


@dataclass(frozen=True)
class Projection:
    """Longitude and latitude to the map's units: equirectangular, fitted to a bounding box."""

    west: float = 4.4
    east: float = 31.3
    south: float = 57.8
    north: float = 71.3
    width: float = 400.0
    margin: float = 12.0

    @property
    def _scale(self) -> float:
        return (self.width - 2 * self.margin) / ((self.east - self.west) * self._squeeze)

    @property
    def _squeeze(self) -> float:
        return math.cos(math.radians((self.north + self.south) / 2))

    @property
    def height(self) -> float:
        """The height that keeps the country's shape."""
        return round((self.north - self.south) * self._scale + 2 * self.margin, 1)

    def point(self, lat: float, lon: float) -> tuple[float, float]:
        """(x, y) of a place: west at the left, north at the top."""
        x = self.margin + (lon - self.west) * self._squeeze * self._scale
        y = self.margin + (self.north - lat) * self._scale
        return round(x, 1), round(y, 1)


SMALLEST, LARGEST = 1.6, 12.0
"""The radius of a kommune without visits, and of the one with the most."""


def dots(register: Iterable[Any], visits: Mapping[str, int], projection: Projection = Projection()) -> list[Dot]:
    """A dot per kommune of the register (with `kommunenummer`, `name`, `lat`, `lon`), its area in proportion to
    its visits; the largest drawn first so that small ones stay visible on top."""
    most = max(visits.values(), default=0) or 1
    placed = []
    for m in register:
        count = visits.get(m.kommunenummer, 0)
        x, y = projection.point(m.lat, m.lon)
        r = SMALLEST if count == 0 else round(max(SMALLEST + 0.8, LARGEST * math.sqrt(count / most)), 1)
        placed.append(Dot(m.kommunenummer, m.name, x, y, r, count))
    return sorted(placed, key=lambda d: (-d.r, d.kommunenummer))


# --- the visit list ---------------------------------------------------------------------------------------------

LIST_STATUSES = ("requested", "offered", "confirmed", "unfulfilled", "cancelled", "completed")
PAGE_SIZE = 50


@dataclass(frozen=True)
class VisitListFilter:
    """The list's filters as the form has them (empty strings for none)."""

    status: str = ""
    kommunenummer: str = ""
    county: str = ""
    school_year: str = ""
    """`2026-27`, or empty for every school year (`all` in the URL)."""
    date_from: str = ""
    date_to: str = ""

    def booking_params(self) -> dict[str, str]:
        """Booking's query parameters for these filters."""
        params = {"status": self.status, "kommunenummer": self.kommunenummer, "county": self.county,
                  "from": self.date_from, "to": self.date_to}  # fmt: skip
        if self.school_year:
            params["school_year"] = booking_year(self.school_year)
        return {k: v for k, v in params.items() if v}

    def query(self, **more: str) -> str:
        """The list's own query string for these filters (and `more`, e.g. the `after` cursor)."""
        params = {"status": self.status, "kommunenummer": self.kommunenummer, "county": self.county,
                  "school_year": self.school_year or "all", "from": self.date_from, "to": self.date_to,
                  **more}  # fmt: skip
        return urlencode({k: v for k, v in params.items() if v})


def booking_field(name: str) -> str:
    """The form field booking names in a refusal (`query.from` or `from`) as the form's own id."""
    name = name.rsplit(".", 1)[-1]
    return {"from": "date_from", "to": "date_to"}.get(name, name)
