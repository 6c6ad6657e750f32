"""What lists and figures ask for (a filter) and what a list shows of each visit (a summary)."""

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
