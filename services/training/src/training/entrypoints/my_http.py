"""The members' own gatherings and their proof of training; the public check of a proof of training."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path

from outreach_shared.http import problem_response
from outreach_shared.skeleton import OrganiserCaller
from training.entrypoints.dependencies import Begin, MemberId
from training.entrypoints.my_schemas import CertificateCheckOut, CertificateOut, MemberGatheringOut, MyGatheringOut
from training.service_layer import my_gatherings

my_router = APIRouter(prefix="/v1/me/gatherings", tags=["my gatherings (member)"])
members_router = APIRouter(prefix="/v1/members", tags=["gatherings (organiser)"])
certificates_router = APIRouter(prefix="/v1/certificates", tags=["proof of training (public)"])
GatheringId = Annotated[str, Path(min_length=1, max_length=100)]
VerificationCode = Annotated[
    str, Path(min_length=1, max_length=40, description="The proof of training's code (16 characters; any case)")
]
NOT_MINE = problem_response(404, "No such gathering, a draft, or one the member is neither invited to nor in")


@my_router.get("", summary="My gatherings: invited to or registered for, newest first")
async def list_my_gatherings(member_id: MemberId, begin: Begin) -> list[MyGatheringOut]:
    """Every published, cancelled or completed gathering the calling member is invited to or registered for, each
    with their own state, needs and (with a confirmed place) check-in code."""
    async with begin() as uow:
        return [MyGatheringOut.of(m, now=uow.now) for m in await my_gatherings.list_mine(uow, member_id)]


@my_router.get("/{gathering_id}", summary="One of my gatherings", responses={404: NOT_MINE})
async def get_my_gathering(gathering_id: GatheringId, member_id: MemberId, begin: Begin) -> MyGatheringOut:
    """The gathering with the calling member's state in it."""
    async with begin() as uow:
        return MyGatheringOut.of(await my_gatherings.get_mine(uow, member_id, gathering_id), now=uow.now)


@my_router.get(
    "/{gathering_id}/certificate",
    summary="My proof of training",
    responses={
        404: problem_response(404, "Not my gathering, or I was not checked in there"),
        409: problem_response(409, "The gathering is not completed yet"),
    },
)
async def get_my_certificate(gathering_id: GatheringId, member_id: MemberId, begin: Begin) -> CertificateOut:
    """Proof that the calling member was trained at the completed gathering, with a code anyone can verify."""
    async with begin() as uow:
        return CertificateOut.of(await my_gatherings.my_certificate(uow, member_id, gathering_id))


@members_router.get("/{member_id}/gatherings", summary="A member's gatherings, newest first")
async def list_member_gatherings(member_id: UUID, caller: OrganiserCaller, begin: Begin) -> list[MemberGatheringOut]:
    """The gatherings (not drafts) a member is invited to or registered for, with where they stand: those run in my
    region, and the national ones."""
    async with begin() as uow:
        found = await my_gatherings.of_member(uow, str(member_id), region=caller.region)
    return [MemberGatheringOut.of(m) for m in found]


@certificates_router.get(
    "/{verification_code}",
    summary="Check a proof of training (no sign-in)",
    responses={404: problem_response(404, "No proof of training has this code")},
)
async def verify_certificate(verification_code: VerificationCode, begin: Begin) -> CertificateCheckOut:
    """Confirms a proof of training is genuine: the gathering and when it was completed, no personal data."""
    async with begin() as uow:
        return CertificateCheckOut.of(await my_gatherings.verify(uow, verification_code))
