"""The gatherings' part of organisers' attention list (before `/v1/gatherings/{id}`, which would take the path)."""

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from outreach_shared.municipalities import load_register
from outreach_shared.skeleton import OrganiserCaller
from training.entrypoints.dependencies import Begin
from training.service_layer.attention import GatheringAttention, attention

attention_router = APIRouter(prefix="/v1/gatherings", tags=["gatherings (organiser)"])


class GatheringAttentionOut(BaseModel):
    """Something that needs a person now: the item shape of ambassadors' `GET /v1/visits/attention`."""

    kind: Literal["place_offer_unanswered"] = "place_offer_unanswered"
    id: str
    resource: Literal["gathering"] = "gathering"
    visit_id: str | None = Field(default=None, description="Always null here: the resource is a gathering")
    kommunenummer: str
    kommune: str
    when: datetime
    why: str

    @classmethod
    def of(cls, a: GatheringAttention) -> "GatheringAttentionOut":
        """From the service layer's item."""
        register = load_register().by_number
        kommune = register[a.kommunenummer].name if a.kommunenummer in register else a.kommunenummer
        return cls(id=a.gathering_id, kommunenummer=a.kommunenummer, kommune=kommune, when=a.when, why=a.why)


@attention_router.get("/attention", summary="Gatherings with places offered and unanswered, in my region")
async def gatherings_attention(caller: OrganiserCaller, begin: Begin) -> list[GatheringAttentionOut]:
    """Published gatherings whose freed places are offered to waiting members who have not answered yet; the web app
    merges these with ambassadors' `GET /v1/visits/attention` (same item shape), sorted by `when`."""
    async with begin() as uow:
        return [GatheringAttentionOut.of(a) for a in await attention(uow, region=caller.region)]
