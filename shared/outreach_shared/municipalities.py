"""The municipality register (2024 structure): number, name, county and centroid, loaded from package data."""

import csv
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

from outreach_shared.errors import Invalid

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Municipality:
    """A kommune with its county (fylke) and centroid."""

    number: str
    name: str
    county_number: str
    county: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Register:
    """Every municipality by number, and the 2024 renumberings for explaining old numbers."""

    by_number: dict[str, Municipality]
    renumbered: dict[str, tuple[str, str]]

    def get(self, number: str, *, field: str = "kommunenummer") -> Municipality:
        """The municipality; raises Invalid (422) with a useful detail when the number is unknown."""
        municipality = self.by_number.get(number)
        if municipality is not None:
            return municipality
        if number in self.renumbered:
            new_number, name = self.renumbered[number]
            raise Invalid(
                f"kommunenummer {number} is no longer in use: {name} is {new_number} since 2024-01-01",
                field=field,
            )
        raise Invalid(
            f"unknown kommunenummer {number!r}: expected one of Norway's 357 four-digit numbers", field=field
        )

    def in_counties(self, county_numbers: set[str]) -> list[Municipality]:
        """Municipalities in the given counties."""
        return [m for m in self.by_number.values() if m.county_number in county_numbers]

    @property
    def county_numbers(self) -> set[str]:
        """Every county number in use."""
        return {m.county_number for m in self.by_number.values()}


def distance_km(a: Municipality, b: Municipality) -> float:
    """Great-circle distance between two centroids (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


@cache
def load_register() -> Register:
    """The register from the package's CSV files (read once per process)."""
    data = resources.files("outreach_shared") / "data"
    with (data / "kommuner-2024.csv").open(encoding="utf-8") as f:
        by_number = {
            row["kommunenummer"]: Municipality(
                row["kommunenummer"],
                row["kommune"],
                row["fylkesnummer"],
                row["fylke"],
                float(row["lat"]),
                float(row["lon"]),
            )
            for row in csv.DictReader(f)
        }
    with (data / "kommuner-2020-to-2024.csv").open(encoding="utf-8") as f:
        renumbered = {
            row["old_kommunenummer"]: (row["new_kommunenummer"], row["kommune"]) for row in csv.DictReader(f)
        }
    return Register(by_number=by_number, renumbered=renumbered)
