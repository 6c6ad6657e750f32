"""Request and response bodies of organisers' manual staffing and attention list."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ambassadors.domain.attention import Attention, AttentionKind, Resource
from ambassadors.domain.offers import Offer, OfferStatus
from ambassadors.domain.review import Excluded, Ranked
from ambassadors.domain.visits import VisitStatus
from ambassadors.service_layer.manual_staffing import CandidateReview, Rematch, VisitOffers
from outreach_shared.bounds.text import Line
from outreach_shared.contracts.common import Language, Profession, TimeWindow
from outreach_shared.municipalities import load_register

RadiusKm = Annotated[int, Field(ge=1, le=2000, description="Search radius (km): each member travels at least this")]


class OfferIn(BaseModel):
    """An organiser's offer of a seat to a named member."""

    model_config = ConfigDict(extra="forbid")

    member_id: UUID
    note: Line | None = Field(default=None, description="Why this member (shown to them with the offer)")


class RematchIn(BaseModel):
    """A new search now, optionally wider than the members' own travel radius."""

    model_config = ConfigDict(extra="forbid")

    travel_radius_km: RadiusKm | None = None


class CandidateOut(BaseModel):
    """A member who could take a seat, with what their rank is made of (rank 1 is matching's first choice)."""

    rank: int
    member_id: str
    name: str
    profession: Profession
    profession_match: bool = True
    kommune: str
    same_municipality: bool
    distance_km: float
    travel_radius_km: int
    speaks_language: Language
    trained_year: int | None
    trained_this_year: bool
    visits_last_12_months: int
    visits_that_month: int
    max_visits_per_month: int
    windows: list[TimeWindow] = Field(description="The open windows they can take")
    chosen_by_matching: bool = Field(description="Whether matching would offer them a seat now")
    reason: str

    @classmethod
    def of(cls, r: Ranked, name: str, language: Language) -> "CandidateOut":
        """From the domain's ranked candidate."""
        c = r.candidate
        return cls(rank=r.rank, member_id=c.member_id, name=name, profession=c.profession, kommune=c.municipality_name,
                   same_municipality=c.same_municipality, distance_km=round(c.distance_km, 1),
                   travel_radius_km=c.travel_radius_km, speaks_language=language, trained_year=c.trained_year,
                   trained_this_year=r.trained_this_year, visits_last_12_months=c.recent_visits,
                   visits_that_month=r.visits_that_month, max_visits_per_month=c.max_visits_per_month,
                   windows=list(r.windows), chosen_by_matching=r.chosen, reason=r.reason)  # fmt: skip


class ExcludedOut(BaseModel):
    """A member ruled out, and why (`code`: on_team, already_asked, inactive, profession, language, too_far,
    weekday, unavailable_date, busy, monthly_limit, no_open_window)."""

    member_id: str
    name: str
    profession: Profession
    kommune: str
    distance_km: float
    code: str
    reason: str

    @classmethod
    def of(cls, e: Excluded, name: str) -> "ExcludedOut":
        """From the domain's exclusion."""
        c = e.candidate
        return cls(member_id=c.member_id, name=name, profession=c.profession, kommune=c.municipality_name,
                   distance_km=round(c.distance_km, 1), code=e.code, reason=e.reason)  # fmt: skip


class CandidatesOut(BaseModel):
    """A visit's candidates for its open seats and the members ruled out (members of the caller's region near the
    visit: within the longest travel radius on the roster, or the radius asked for)."""

    visit_id: str
    status: VisitStatus
    unfulfilled: str | None
    open_seats: int
    travel_radius_km: int | None
    windows: list[TimeWindow] = Field(description="The windows still open (not started)")
    candidates: list[CandidateOut]
    excluded: list[ExcludedOut]

    @classmethod
    def of(cls, found: CandidateReview) -> "CandidatesOut":
        """From the service layer's review."""
        v, r, names = found.visit, found.review, found.names
        language = v.request.language
        return cls(visit_id=v.id, status=v.status, unfulfilled=v.unfulfilled, open_seats=r.request.seats,
                   travel_radius_km=found.radius_km, windows=list(r.windows),
                   candidates=[CandidateOut.of(c, names.get(c.candidate.member_id, ""), language) for c in r.ranked],
                   excluded=[ExcludedOut.of(e, names.get(e.candidate.member_id, "")) for e in r.excluded])  # fmt: skip


class StaffOfferOut(BaseModel):
    """An offer as the organiser sees it."""

    id: str
    visit_id: str
    member_id: str
    status: OfferStatus
    window: TimeWindow
    expires_at: datetime
    reason: str
    override: bool = Field(description="Made by an organiser for this member by name")

    @classmethod
    def of(cls, o: Offer) -> "StaffOfferOut":
        """From the domain offer."""
        return cls(id=o.id, visit_id=o.visit_id, member_id=o.member_id, status=o.status, window=o.window,
                   expires_at=o.expires_at, reason=o.reason, override=o.override)  # fmt: skip


class VisitOfferOut(StaffOfferOut):
    """An offer of the visit with the member's name, its round and what they said when declining or withdrawing."""

    name: str = Field(description="The member's name (empty once they are erased)")
    round: int = Field(description="The search round (a rematch of an unfulfilled visit starts a new one)")
    answer_reason: str | None = Field(description="What the member wrote when declining or withdrawing")


class VisitOffersOut(BaseModel):
    """A visit's offers of every round, oldest first, and what each member answered."""

    visit_id: str
    status: VisitStatus
    round: int
    offers: list[VisitOfferOut]

    @classmethod
    def of(cls, found: VisitOffers) -> "VisitOffersOut":
        """From the service layer's offers."""
        v = found.visit
        offers = [VisitOfferOut(**StaffOfferOut.of(o).model_dump(), name=found.names.get(o.member_id, ""),
                                round=o.round, answer_reason=o.decline_reason) for o in found.offers]  # fmt: skip
        return cls(visit_id=v.id, status=v.status, round=v.round, offers=offers)


class RematchOut(BaseModel):
    """What a rematch did: the offers it made, or why nobody was found."""

    visit_id: str
    round: int
    status: VisitStatus
    offers: list[StaffOfferOut]
    unfulfilled: str | None = Field(description="Why nobody could be found (booking keeps the visit unfulfilled)")

    @classmethod
    def of(cls, done: Rematch) -> "RematchOut":
        """From the service layer's result."""
        v = done.visit
        return cls(visit_id=v.id, round=v.round, status=v.status, offers=[StaffOfferOut.of(o) for o in done.offers],
                   unfulfilled=v.unfulfilled)  # fmt: skip


class AttentionOut(BaseModel):
    """Something that needs a person now (the same shape as training's `GET /v1/gatherings/attention`)."""

    kind: AttentionKind
    id: str = Field(description="The resource's id (a visit, an offer or a gathering)")
    resource: Resource
    visit_id: str | None
    kommunenummer: str
    kommune: str
    when: datetime
    why: str

    @classmethod
    def of(cls, a: Attention) -> "AttentionOut":
        """From the domain item."""
        register = load_register().by_number
        kommune = register[a.kommunenummer].name if a.kommunenummer in register else a.kommunenummer
        return cls(kind=a.kind, id=a.id, resource=a.resource, visit_id=a.visit_id, kommunenummer=a.kommunenummer,
                   kommune=kommune, when=a.when, why=a.why)  # fmt: skip
