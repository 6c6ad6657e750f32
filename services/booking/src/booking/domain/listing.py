"""What lists and figures ask for (a filter) and what a list shows of each visit (a summary)."""

import base64
import binascii
from dataclasses import dataclass, replace
from datetime import datetime

from booking.domain.values import Status
from outreach_shared.contracts.common import TeamMember
from outreach_shared.regions import NATIONAL, Region


@dataclass(frozen=True)
class VisitFilter:
    """Which visits a list or the figures cover; `orgnr` restricts to one school, `region` to an organiser's."""

    orgnr: str | None = None
    status: tuple[Status, ...] | None = None
    """Any of these statuses."""
    kommunenummer: str | None = None
    county_number: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    region: Region = NATIONAL

    def for_region(self, region: Region) -> "VisitFilter":
        """The same filter, restricted to visits to schools in the region."""
        return replace(self, region=region)

    def for_school(self, orgnr: str | None) -> "VisitFilter":
        """The same filter, restricted to one school's visits."""
        return replace(self, orgnr=orgnr)


@dataclass(frozen=True)
class VisitSummary:
    """A visit as a list shows it."""

    id: str
    status: Status
    orgnr: str
    school_name: str
    kommunenummer: str
    county_number: str
    kind: str
    visit_date: datetime
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    created_at: datetime
    team: tuple[TeamMember, ...] = ()
    """The team (first names and professions), shown once the visit is confirmed; empty before."""


@dataclass(frozen=True)
class PageKey:
    """Where a page of the list (ordered by creation: `created_at`, then `seq`) ends: the next starts after it."""

    created_at: datetime
    seq: int

    def cursor(self) -> str:
        """The opaque `after` cursor of this key (URL-safe)."""
        return base64.urlsafe_b64encode(f"{self.created_at.isoformat()}|{self.seq}".encode()).decode().rstrip("=")

    @classmethod
    def of_cursor(cls, cursor: str) -> "PageKey":
        """The key of a cursor; ValueError for anything that is not one of ours."""
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            when, seq = text.split("|")
            key = cls(datetime.fromisoformat(when), int(seq))
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise ValueError("not a cursor of this list") from exc
        if key.created_at.tzinfo is None or not 0 < key.seq < 2**63:
            raise ValueError("not a cursor of this list")
        return key
