"""What needs an organiser now: the items of the attention list, each with a short why."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

AttentionKind = Literal["unfulfilled", "offer_expiring", "team_short", "report_missing", "place_offer_unanswered"]
Resource = Literal["visit", "offer", "gathering"]

OFFER_EXPIRING = timedelta(hours=24)
"""An unanswered offer expiring within this long needs a person (a call may get the answer)."""
TEAM_SHORT = timedelta(hours=48)
"""A confirmed team missing a member this close to the visit needs a person (automatic search may be too late)."""
REPORT_DUE = timedelta(hours=24)
"""A visit whose window ended this long ago should have been reported."""


@dataclass(frozen=True)
class Attention:
    """One thing that needs a person: what kind, which resource, where, when, and why."""

    kind: AttentionKind
    id: str
    resource: Resource
    kommunenummer: str
    when: datetime
    why: str
    visit_id: str | None = None
