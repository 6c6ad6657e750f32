"""The portal's client of a provider, against the real provider process: a genuine ID token verifies; one whose
payload was altered, that names no algorithm, or that another issuer signed does not."""

import base64
import json
import secrets
from datetime import UTC, datetime
from typing import Any

import pytest

from outreach_dev.testing.oidc_provider import LocalOidcProvider, log_in
from portal.adapters.oidc_client import ProviderClient
from portal.domain.identities import Provider, SignInRefused

pytestmark = pytest.mark.asyncio(loop_scope="session")
REDIRECT = "https://portal.test/login/oidc/p/callback"


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def part(token: str, index: int) -> dict[str, Any]:
    segment = token.split(".")[index]
    return dict(json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))))


async def tokens(client: ProviderClient, nonce: str, claims: dict[str, Any] | None = None) -> dict[str, Any]:
    verifier = secrets.token_urlsafe(48)
    url = await client.authorization_url(redirect_uri=REDIRECT, state="s" * 43, nonce=nonce, code_verifier=verifier)
    back = await log_in(url, username="someone", claims=claims)
    code = back.split("code=")[1].split("&")[0]
    return await client.exchange(code=code, code_verifier=verifier, redirect_uri=REDIRECT)


def client_of(provider: LocalOidcProvider, issuer: str) -> ProviderClient:
    return ProviderClient(Provider(issuer, "generic", provider.issuer(issuer), "portal"), "secret")


async def test_a_genuine_id_token_verifies_and_an_altered_one_does_not(oidc_provider: LocalOidcProvider) -> None:
    client = client_of(oidc_provider, "clienttest")
    token = await tokens(client, "n-1", {"email": "a@example.no"})
    now = datetime.now(UTC)
    assert (await client.verify_id_token(token, nonce="n-1", now=now))["sub"] == "someone"

    header, payload, signature = token["id_token"].split(".")
    altered = f"{header}.{b64({**part(token['id_token'], 1), 'sub': 'someone-else'})}.{signature}"
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."
    for forged in (altered, unsigned, "not.a.jwt", "x" * 20_000):
        with pytest.raises(SignInRefused, match="id_token_invalid"):
            await client.verify_id_token({**token, "id_token": forged}, nonce="n-1", now=now)


async def test_an_id_token_signed_by_another_issuer_is_refused(oidc_provider: LocalOidcProvider) -> None:
    mine, other = client_of(oidc_provider, "mine"), client_of(oidc_provider, "theirs")
    theirs = await tokens(other, "n-2", {"iss": oidc_provider.issuer("mine")})  # claims to be mine
    with pytest.raises(SignInRefused, match="id_token_invalid"):
        await mine.verify_id_token(theirs, nonce="n-2", now=datetime.now(UTC))


async def test_an_unreachable_provider_is_a_refusal_not_a_crash() -> None:
    client = ProviderClient(Provider("gone", "generic", "http://127.0.0.1:9/gone", "portal"), "secret")
    with pytest.raises(SignInRefused, match="provider_unavailable"):
        await client.authorization_url(redirect_uri=REDIRECT, state="s", nonce="n", code_verifier="v" * 43)
