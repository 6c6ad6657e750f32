"""The public keys every service verifies access tokens with (RFC 7517 JWKS, each key with its `kid`)."""

from fastapi import APIRouter, Response

from portal.entrypoints.dependencies import Begin
from portal.entrypoints.schemas import JwksOut
from portal.service_layer import keys

router = APIRouter(tags=["tokens"])


@router.get("/.well-known/jwks.json", response_model=JwksOut, response_model_exclude_none=True)
async def jwks(begin: Begin, response: Response) -> JwksOut:
    """The public keys that sign access tokens now, the next one before it signs, and retired ones until their
    last token expires."""
    async with begin() as uow:
        published = await keys.published_jwks(uow)
    response.headers["Cache-Control"] = "public, max-age=60"
    return JwksOut.of(published)
