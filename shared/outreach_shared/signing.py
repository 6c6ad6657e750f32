"""Asymmetric access tokens: the portal signs them (EdDSA, Ed25519) and every service verifies them with public keys
only (a JWKS, each key with its `kid`), so no service holds anything that can mint a token.

- `SigningKey`: a private key and its `kid` (the RFC 7638 thumbprint of its public key).
- `mint_token(key, role, subject, audience=..., ttl=...)`: a signed access token (15 minutes by default).
- `KeySet`: the public keys a service trusts: fixed ones, and the ones a source publishes (the portal's
  `/.well-known/jwks.json`), fetched again when a token names an unknown `kid` (at most every few seconds) and
  periodically, so a rotated-in key is trusted from its first token and a withdrawn one stops being trusted.
- `verify_token(keys, token, audience=...)`: the Principal of a valid token, Unauthorized otherwise.
"""

import asyncio
import base64
import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from outreach_shared.auth import ISSUER, Principal, Role, VerifiedTokens
from outreach_shared.errors import Unauthorized
from outreach_shared.regions import NATIONAL, Region

ALGORITHM = "EdDSA"
AUDIENCES: tuple[str, ...] = ("booking", "ambassadors", "training", "notify", "portal")
"""Every service that verifies tokens: a token's `aud` names the ones it is for."""
ACCESS_TOKEN_TTL = timedelta(minutes=15)

Jwk = dict[str, str]
JwksSource = Callable[[], Awaitable[Mapping[str, Any]]]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def thumbprint(public: Ed25519PublicKey) -> str:
    """The key's RFC 7638 thumbprint (SHA-256, base64url): its `kid`."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _b64(_raw_public(public))}, separators=(",", ":"))
    return _b64(hashlib.sha256(canonical.encode()).digest())


def public_jwk(public: Ed25519PublicKey, kid: str | None = None) -> Jwk:
    """The public key as a JWK for a JWKS document."""
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64(_raw_public(public)), "kid": kid or thumbprint(public),
            "alg": ALGORITHM, "use": "sig"}  # fmt: skip


@dataclass(frozen=True)
class SigningKey:
    """A private key that signs access tokens, with the `kid` its tokens carry."""

    kid: str
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> "SigningKey":
        """A new random key."""
        private = Ed25519PrivateKey.generate()
        return cls(thumbprint(private.public_key()), private)

    @classmethod
    def from_pem(cls, pem: str | bytes) -> "SigningKey":
        """The key in a PKCS#8 PEM (as `pem()` writes it)."""
        private = serialization.load_pem_private_key(pem.encode() if isinstance(pem, str) else pem, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError("a signing key must be an Ed25519 private key")
        return cls(thumbprint(private.public_key()), private)

    def pem(self) -> str:
        """The private key as PKCS#8 PEM: a secret."""
        return self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    def public_jwk(self) -> Jwk:
        """The public half, as a JWK."""
        return public_jwk(self.private.public_key(), self.kid)

    def __repr__(self) -> str:  # never print the private key
        return f"SigningKey(kid={self.kid!r})"


def mint_token(
    key: SigningKey,
    role: Role,
    subject: str | None = None,
    *,
    audience: str | Sequence[str] = AUDIENCES,
    ttl: timedelta = ACCESS_TOKEN_TTL,
    region: Region = NATIONAL,
    now: datetime | None = None,
    claims: Mapping[str, Any] | None = None,
) -> str:
    """A signed access token for `audience` (one service, or several). `subject` is the orgnr for schools and the
    member id for members; `region` limits an organiser (national when left out); `claims` adds more (e.g. `sid`)."""
    if role in ("school", "member") and not subject:
        raise ValueError(f"a {role} token needs a subject")
    if role != "organiser" and not region.national:
        raise ValueError("only an organiser token carries a region")
    issued = now or datetime.now(UTC)
    body: dict[str, Any] = {
        **(claims or {}),
        "iss": ISSUER,
        "sub": subject or "organiser",
        "aud": audience if isinstance(audience, str) else list(audience),
        "role": role,
        "iat": issued,
        "nbf": issued - timedelta(seconds=30),
        "exp": issued + ttl,
        "jti": str(uuid4()),
    }
    if role == "school":
        body.setdefault("orgnr", subject)
    if role == "member":
        body["member_id"] = subject
    if (region_claim := region.claim()) is not None:
        body["region"] = region_claim
    return jwt.encode(body, key.private, algorithm=ALGORITHM, headers={"kid": key.kid})


def jwks(keys: Iterable[Jwk]) -> dict[str, list[Jwk]]:
    """A JWKS document."""
    return {"keys": list(keys)}


def parse_jwks(document: str | Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> list[Jwk]:
    """The public Ed25519 keys of a JWKS document (JSON text, a mapping with `keys`, or a list of JWKs); raises
    ValueError for anything else, and for a JWK carrying a private part."""
    data: Any = json.loads(document) if isinstance(document, str) else document
    if not data:
        return []
    listed = data.get("keys") if isinstance(data, Mapping) else data
    if not isinstance(listed, Sequence):
        raise ValueError("a JWKS must have a list `keys`")
    keys: list[Jwk] = []
    for jwk in listed:
        if not isinstance(jwk, Mapping) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not jwk.get("x"):
            raise ValueError("only Ed25519 public keys (kty OKP, crv Ed25519) are trusted")
        if "d" in jwk:
            raise ValueError("a trusted key must be public: this JWK carries its private part")
        keys.append({k: str(v) for k, v in jwk.items()})
    return keys


def jwks_from_url(url: str, *, timeout: float = 5.0) -> JwksSource:
    """A source reading the JWKS at `url` (the portal's `/.well-known/jwks.json`)."""

    async def fetch() -> Mapping[str, Any]:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(url)
            response.raise_for_status()
            document: Mapping[str, Any] = response.json()
            return document

    return fetch


class KeySet:
    """The public keys a service trusts to have signed its tokens, by `kid`: `fixed` ones (e.g. a development key)
    and what `source` publishes, fetched again on an unknown `kid` (at most every `min_refetch_seconds`) and when
    older than `max_age_seconds`. A source that fails keeps the keys last fetched; a fetch that failed or found no
    key is tried again sooner (after `retry_seconds`): at start-up the portal may not have published its first key
    when a service first asks."""

    def __init__(
        self,
        fixed: Iterable[Jwk] = (),
        source: JwksSource | None = None,
        *,
        min_refetch_seconds: float = 5.0,
        max_age_seconds: float = 300.0,
        retry_seconds: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fixed = _by_kid(fixed)
        self._fetched: dict[str, Ed25519PublicKey] = {}
        self._source = source
        self._min_refetch = min_refetch_seconds
        self._max_age = max_age_seconds
        self._clock = clock
        self._fetched_at: float | None = None
        self._retry = retry_seconds
        self._next_try_at: float | None = None
        self._lock = asyncio.Lock()
        self.verified = VerifiedTokens()
        """The tokens these keys verified (the default cache of `verify_token`): emptied when a key is withdrawn."""

    @property
    def has_source(self) -> bool:
        """Whether keys are fetched from somewhere (else only the fixed ones are trusted)."""
        return self._source is not None

    @property
    def kids(self) -> set[str]:
        """The kids trusted now."""
        return {*self._fixed, *self._fetched}

    async def key(self, kid: str) -> Ed25519PublicKey | None:
        """The trusted public key with this kid, refetching the source when it is unknown or the keys are old (a
        fixed key never waits for the source)."""
        if self._source is not None and kid not in self._fixed and (kid not in self._fetched or self._stale()):
            await self.refresh(force=False)
        return self._fixed.get(kid) or self._fetched.get(kid)

    def _stale(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at > self._max_age

    async def refresh(self, *, force: bool = True) -> None:
        """Fetch the source's keys now (unless `force` is false and it was tried within `min_refetch_seconds`)."""
        if self._source is None:
            return
        async with self._lock:
            now = self._clock()
            if not force and self._next_try_at is not None and now < self._next_try_at:
                return
            self._next_try_at = now + min(self._retry, self._min_refetch)
            try:
                fetched = _by_kid(parse_jwks(await self._source()))
            except Exception:  # noqa: BLE001 - a portal away or a bad document keeps the keys we had
                return
            if fetched:
                self._next_try_at = now + self._min_refetch
            withdrawn = set(self._fetched) - set(fetched) - set(self._fixed)
            self._fetched, self._fetched_at = fetched, now
            if withdrawn:  # its tokens verified before are not answered from the cache any more
                self.verified.clear()


def _by_kid(keys: Iterable[Mapping[str, str]]) -> dict[str, Ed25519PublicKey]:
    """The keys by kid; ValueError for a key without a kid or with a bad `x`."""
    found = {}
    for jwk in keys:
        public = _public_key(jwk)
        found[jwk["kid"]] = public
    return found


def _public_key(jwk: Mapping[str, str]) -> Ed25519PublicKey:
    if not jwk.get("kid"):
        raise ValueError("a trusted key needs a kid")
    raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    return Ed25519PublicKey.from_public_bytes(raw)


async def verify_token(
    keys: KeySet, token: str, *, audience: str, cache: VerifiedTokens | None = None
) -> Principal:
    """The Principal of a token signed by a trusted key, for `audience`, within its lifetime; Unauthorized else.

    Only EdDSA is accepted (no `none`, no HMAC with a public key as its secret). A token already verified for this
    audience is answered from `cache` (by default the key set's own, emptied when a key is withdrawn) until it
    expires.
    """
    cache = keys.verified if cache is None else cache
    if (known := cache.get(audience, token)) is not None:
        return known
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Unauthorized("the token is not valid") from None
    if header.get("alg") != ALGORITHM:
        raise Unauthorized("the token is not signed with a trusted algorithm")
    kid = header.get("kid")
    public = await keys.key(kid) if isinstance(kid, str) and kid else None
    if public is None:
        raise Unauthorized("the token is not signed by a trusted key")
    try:
        claims = jwt.decode(
            token,
            public,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "role", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the token has expired") from None
    except jwt.InvalidAudienceError:
        raise Unauthorized(f"the token is not for {audience}") from None
    except jwt.PyJWTError:
        raise Unauthorized("the token is not valid") from None
    principal = principal_of(claims)
    cache.put(audience, token, principal, float(claims["exp"]))
    return principal


def principal_of(claims: Mapping[str, Any]) -> Principal:
    """The Principal that verified claims describe; Unauthorized for an unknown role or a bad region."""
    role = claims.get("role")
    if role not in ("organiser", "school", "member"):
        raise Unauthorized("the token has no known role")
    try:
        region = Region.from_claim(claims.get("region"))
    except ValueError:
        raise Unauthorized("the token's region is not valid") from None
    if role != "organiser" and not region.national:
        raise Unauthorized("only an organiser token carries a region")
    return Principal(
        role=role, subject=str(claims["sub"]), orgnr=claims.get("orgnr"), member_id=claims.get("member_id"),
        region=region,
    )  # fmt: skip
