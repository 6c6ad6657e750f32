"""Rotating the signing key by hand (national organisers): the new key is published at once and signs after the
publish-ahead time; the rotation also happens by itself every `PORTAL_KEY_ROTATION_DAYS`."""

from fastapi import APIRouter, Request

from outreach_shared.skeleton import NationalOrganiser
from portal.entrypoints.browser import client_address
from portal.entrypoints.dependencies import Begin
from portal.entrypoints.schemas import RotationOut
from portal.service_layer import rotation

router = APIRouter(tags=["tokens"])


@router.post(
    "/v1/keys/rotate",
    status_code=202,
    response_model=RotationOut,
    responses={401: {"description": "No valid token"}, 403: {"description": "Not a national organiser"}},
)
async def rotate_keys(caller: NationalOrganiser, begin: Begin, request: Request) -> RotationOut:
    """Publish a new signing key now; it signs from `signs_from`, and the old one stops then and leaves the JWKS
    once its last token expired."""
    async with begin() as uow:
        actor, address = f"organiser:{caller.subject}", client_address(request)
        successor = await rotation.rotate(uow, actor=actor, from_address=address)
    return RotationOut(kid=successor.key.kid, signs_from=successor.signs_from)
