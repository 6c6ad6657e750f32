"""The portal publishes the public keys of its signing keys; services verify with them alone."""

import pytest

from outreach_dev.testing.service import RunningService
from outreach_shared.signing import KeySet, mint_token, parse_jwks, verify_token
from portal.service_layer import keys

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_jwks_lists_public_keys_only_and_verifies_what_the_signer_signs(portal: RunningService) -> None:
    response = await portal.client.get("/.well-known/jwks.json")
    assert response.status_code == 200, response.text
    published = parse_jwks(response.json())  # refuses a JWK with a private part
    assert published and all(set(jwk) == {"kty", "crv", "x", "kid", "alg", "use"} for jwk in published)
    async with portal.runtime.unit_of_work("test") as uow:
        signer = await keys.current_signer(uow)
    assert signer.kid in {jwk["kid"] for jwk in published}
    token = mint_token(signer, "member", "m-1", audience="booking")
    principal = await verify_token(KeySet(published), token, audience="booking")
    assert principal.member_id == "m-1"


async def test_every_instance_signs_with_the_same_first_key(portal: RunningService) -> None:
    async with portal.runtime.unit_of_work("a") as first:
        a = await keys.current_signer(first)
    async with portal.runtime.unit_of_work("b") as second:
        b = await keys.current_signer(second)
    assert a.kid == b.kid
