"""An organiser's region: national, or a set of counties (fylker) and municipalities (kommuner).

Carried in the organiser's token (`region` claim); every organiser read and write is limited to it. A resource
outside the region is answered as if it did not exist (404), as for other callers' resources.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from outreach_shared.municipalities import load_register

REGION_SQL = (
    "(:region_national OR left({column}, 2) = ANY(:region_fylker::text[]) OR {column} = ANY(:region_kommuner::text[]))"
)
"""A WHERE clause limiting rows to a region by their kommunenummer column; its parameters from `Region.params()`."""


class UnknownArea(ValueError):
    """A county or municipality number that is not in the register."""


@dataclass(frozen=True)
class Region:
    """National when both sets are empty; else the union of the counties and the municipalities."""

    fylker: frozenset[str] = frozenset()
    kommuner: frozenset[str] = frozenset()

    @classmethod
    def of(cls, fylker: Iterable[str] = (), kommuner: Iterable[str] = ()) -> "Region":
        """A region from county and municipality numbers, each checked against the register (UnknownArea)."""
        register = load_register()
        fylker, kommuner = frozenset(fylker), frozenset(kommuner)
        if unknown := sorted(f for f in fylker if f not in register.county_numbers):
            raise UnknownArea(f"unknown fylkesnummer {', '.join(unknown)}")
        if unknown := sorted(k for k in kommuner if k not in register.by_number):
            raise UnknownArea(f"unknown kommunenummer {', '.join(unknown)}")
        return cls(fylker, kommuner)

    @property
    def national(self) -> bool:
        """Whether the region is the whole country."""
        return not self.fylker and not self.kommuner

    def covers(self, kommunenummer: str | None) -> bool:
        """Whether a place in this municipality is inside the region (a place unknown is only national)."""
        if self.national:
            return True
        if not kommunenummer:
            return False
        return kommunenummer in self.kommuner or kommunenummer[:2] in self.fylker

    def covers_any_county(self, county_numbers: Iterable[str]) -> bool:
        """Whether something spanning these counties (a gathering's region) touches this region."""
        if self.national:
            return True
        counties = set(county_numbers)
        return bool(counties & self.fylker) or any(k[:2] in counties for k in self.kommuner)

    def kommunenumre(self) -> frozenset[str]:
        """Every municipality inside the region (all of Norway when national)."""
        register = load_register()
        return frozenset(n for n in register.by_number if self.covers(n))

    def params(self) -> dict[str, Any]:
        """The parameters of `REGION_SQL`."""
        return {"region_national": self.national, "region_fylker": sorted(self.fylker),
                "region_kommuner": sorted(self.kommuner)}  # fmt: skip

    def claim(self) -> dict[str, list[str]] | None:
        """The token claim (None for national: no claim)."""
        return None if self.national else {"fylker": sorted(self.fylker), "kommuner": sorted(self.kommuner)}

    @classmethod
    def from_claim(cls, claim: object) -> "Region":
        """The region of a token's claim (absent: national); ValueError when malformed."""
        if claim is None:
            return NATIONAL
        if not isinstance(claim, dict) or set(claim) - {"fylker", "kommuner"}:
            raise ValueError("the region claim is not an object of fylker and kommuner")
        lists = [claim.get("fylker", []), claim.get("kommuner", [])]
        if not all(isinstance(x, list) and all(isinstance(i, str) for i in x) for x in lists):
            raise ValueError("the region claim's fylker and kommuner are lists of numbers")
        region = cls.of(lists[0], lists[1])
        if region.national:
            raise ValueError("an empty region claim: a national token carries none")
        return region

    def describe(self) -> str:
        """For logs and messages: `national` or `fylke 50, kommune 5001`."""
        if self.national:
            return "national"
        parts = [*(f"fylke {f}" for f in sorted(self.fylker)), *(f"kommune {k}" for k in sorted(self.kommuner))]
        return ", ".join(parts)


NATIONAL = Region()
