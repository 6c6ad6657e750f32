"""The OpenID Connect provider process the portal's tests sign in against: it serves discovery for any issuer,
checks PKCE, uses a code once, and is gone when stopped."""

import base64
import hashlib
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from outreach_dev.testing.oidc_provider import LocalOidcProvider, log_in

pytestmark = pytest.mark.asyncio
REDIRECT = "http://client.test/cb"


def challenge_of(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


async def test_the_provider_checks_pkce_uses_a_code_once_and_stops(tmp_path: Path) -> None:
    provider = LocalOidcProvider(tmp_path).start()
    issuer = provider.issuer("school")
    verifier = secrets.token_urlsafe(48)
    query = {"response_type": "code", "client_id": "c", "redirect_uri": REDIRECT, "state": "s", "scope": "openid",
             "code_challenge": challenge_of(verifier), "code_challenge_method": "S256"}  # fmt: skip
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            discovery = (await http.get(f"{issuer}/.well-known/openid-configuration")).json()
            assert discovery["issuer"] == issuer and "S256" in discovery["code_challenge_methods_supported"]

            async def code() -> str:
                back = await log_in(f"{discovery['authorization_endpoint']}?{urlencode(query)}", username="u")
                return parse_qs(urlsplit(back).query)["code"][0]

            async def exchange(code: str, verifier: str) -> dict[str, str]:
                form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": "c",
                        "code_verifier": verifier}  # fmt: skip
                return dict((await http.post(discovery["token_endpoint"], data=form)).json())

            assert (await exchange(await code(), "w" * 64))["error"] == "invalid_grant"
            good = await code()
            assert "id_token" in await exchange(good, verifier)
            assert (await exchange(good, verifier))["error"] == "invalid_grant"
    finally:
        provider.stop()
    assert not provider.is_running()
    async with httpx.AsyncClient(timeout=2) as http:
        with pytest.raises(httpx.HTTPError):
            await http.get(f"{issuer}/.well-known/openid-configuration")
