"""One OpenID Connect provider over HTTP, through Authlib: its discovery document, the authorization URL (PKCE
S256), the code exchange, and the ID token verified against its published keys (joserfc, Authlib's CodeIDToken
rules). Discovery and keys are fetched when first needed and kept; the keys are fetched again on an unknown `kid`.
"""

from datetime import datetime
from typing import Any

import httpx
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from outreach_shared.logging import get_logger
from portal.domain.identities import Provider, SignInRefused

log = get_logger("portal.oidc")
TIMEOUT = httpx.Timeout(10.0)
LEEWAY_SECONDS = 60
_SAFE_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
"""Asymmetric only: never `none`, never HMAC with the client secret."""


class ProviderClient:
    """The portal's client of one provider."""

    def __init__(self, provider: Provider, client_secret: str) -> None:
        self.provider = provider
        self._secret = client_secret
        self._metadata: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None

    def _client(self, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(client_id=self.provider.client_id, client_secret=self._secret,
                                 scope=" ".join(self.provider.scopes), redirect_uri=redirect_uri,
                                 code_challenge_method="S256", timeout=TIMEOUT)  # fmt: skip

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (its issuer must be the one configured)."""
        if self._metadata is None:
            url = f"{self.provider.issuer.rstrip('/')}/.well-known/openid-configuration"
            document = await self._get_json(url)
            if document.get("issuer") != self.provider.issuer:
                log.warning("oidc discovery names another issuer", provider=self.provider.name)
                raise SignInRefused("provider_unavailable")
            self._metadata = document
        return self._metadata

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT) as http:
                response = await http.get(url)
                response.raise_for_status()
                body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("oidc provider unreachable", provider=self.provider.name, error=type(exc).__name__)
            raise SignInRefused("provider_unavailable") from exc
        if not isinstance(body, dict):
            raise SignInRefused("provider_unavailable")
        return body

    async def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        """Where to send the person: the provider's login, asking for a code bound to `code_verifier` (S256)."""
        endpoint = (await self.metadata())["authorization_endpoint"]
        async with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(endpoint, state=state, nonce=nonce, code_verifier=code_verifier)
        return str(url)

    async def exchange(self, *, code: str, code_verifier: str, redirect_uri: str) -> dict[str, Any]:
        """The provider's tokens for this code and verifier (SignInRefused `code_refused` if it will not)."""
        endpoint = (await self.metadata())["token_endpoint"]
        try:
            async with self._client(redirect_uri) as client:
                token = await client.fetch_token(endpoint, grant_type="authorization_code", code=code,
                                                 code_verifier=code_verifier)  # fmt: skip
        except OAuthError as exc:
            log.info("oidc code refused by the provider", provider=self.provider.name, error=exc.error)
            raise SignInRefused("code_refused") from exc
        except httpx.HTTPError as exc:
            log.warning("oidc token endpoint unreachable", provider=self.provider.name, error=type(exc).__name__)
            raise SignInRefused("provider_unavailable") from exc
        return dict(token)

    async def verify_id_token(self, token: dict[str, Any], *, nonce: str, now: datetime) -> dict[str, Any]:
        """The ID token's claims once its signature (the provider's keys), issuer, audience, nonce and times hold
        (SignInRefused `id_token_invalid` or `nonce_mismatch` if not)."""
        id_token = token.get("id_token")
        if not isinstance(id_token, str) or len(id_token) > 16_384:
            raise SignInRefused("id_token_invalid")
        try:
            decoded = await self._decode(id_token)
            options = {"iss": {"essential": True, "value": self.provider.issuer},
                       "aud": {"essential": True, "value": self.provider.client_id}}  # fmt: skip
            params = {"nonce": nonce, "client_id": self.provider.client_id, "access_token": token.get("access_token")}
            claims = CodeIDToken(decoded.claims, decoded.header, options, params)
            claims.validate(now=int(now.timestamp()), leeway=LEEWAY_SECONDS)
        except JoseError as exc:
            reason = "nonce_mismatch" if getattr(exc, "claim", None) == "nonce" else "id_token_invalid"
            log.info("oidc id token refused", provider=self.provider.name, error=exc.error, reason=reason)
            raise SignInRefused(reason) from exc
        except ValueError as exc:  # not a JWT at all
            raise SignInRefused("id_token_invalid") from exc
        return dict(claims)

    async def _decode(self, id_token: str) -> jwt.Token:
        metadata = await self.metadata()
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in offered if a in _SAFE_ALGORITHMS]
        registry = JWSRegistry(algorithms=algorithms or ["RS256"])
        try:
            return jwt.decode(id_token, await self._keys(), algorithms=None, registry=registry)
        except InvalidKeyIdError:  # the provider may have rotated its keys: fetch them again, once
            return jwt.decode(id_token, await self._keys(refresh=True), algorithms=None, registry=registry)

    async def _keys(self, *, refresh: bool = False) -> KeySet:
        if self._jwks is None or refresh:
            self._jwks = await self._get_json((await self.metadata())["jwks_uri"])
        try:
            return KeySet.import_key_set(self._jwks)  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise SignInRefused("provider_unavailable") from exc


class ProviderClients:
    """The configured providers' clients by name (nothing is fetched until a sign-in needs it)."""

    def __init__(self, clients: list[ProviderClient]) -> None:
        self._by_name = {client.provider.name: client for client in clients}

    def get(self, name: str) -> ProviderClient | None:
        """The provider named `name`, if configured."""
        return self._by_name.get(name)

    def providers(self) -> list[Provider]:
        """Every configured provider, in the configured order."""
        return [client.provider for client in self._by_name.values()]
