"""The roster's filters, as the list (`GET /v1/members`) and its downloads (`/v1/members.csv|xlsx`) take them."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from ambassadors.service_layer.members import RosterQuery
from outreach_shared.contracts.common import Language, Profession

NO_CONTROLS = r"^[^\x00-\x1f\x7f-\x9f]*$"
"""Text without control characters (the kit refuses them in a query string)."""


@dataclass(frozen=True)
class RosterFilters:
    """Which members: by place, profession, state, training and a search text."""

    kommunenummer: str | None
    fylke: str | None
    profession: Profession | None
    active: bool | None
    q: str | None
    language: Language | None
    trained_year: int | None

    def query(self, *, limit: int, offset: int = 0, after: str | None = None) -> RosterQuery:
        """The use case's query for a page of these members."""
        return RosterQuery(self.kommunenummer, self.fylke, self.profession, self.active, limit, offset, self.q,
                           self.language, self.trained_year, after)  # fmt: skip


def roster_filters(
    kommunenummer: Annotated[str | None, Query(max_length=100, pattern=NO_CONTROLS)] = None,
    fylke: Annotated[
        str | None, Query(max_length=100, pattern=NO_CONTROLS, description="County number or name")
    ] = None,
    profession: Profession | None = None,
    active: bool | None = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=100, pattern=NO_CONTROLS, description="Part of the name or e-mail, any case"),
    ] = None,
    language: Annotated[Language | None, Query(description="Members who speak it")] = None,
    trained_year: Annotated[
        int | None, Query(ge=2000, le=2100, description="Members trained at a gathering that year")
    ] = None,
) -> RosterFilters:
    """The filters from the query string."""
    return RosterFilters(kommunenummer, fylke, profession, active, q, language, trained_year)


Filters = Annotated[RosterFilters, Depends(roster_filters)]
