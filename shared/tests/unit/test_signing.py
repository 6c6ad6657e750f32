"""Asymmetric tokens (outreach_shared.signing): what a service trusts, how it learns of new keys and forgets withdrawn
ones, and the tokens it refuses."""

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from outreach_shared.auth import ISSUER, VerifiedTokens
from outreach_shared.errors import Unauthorized
from outreach_shared.signing import KeySet, SigningKey, jwks, mint_token, parse_jwks, verify_token

KEY, NEXT, STRANGER = SigningKey.generate(), SigningKey.generate(), SigningKey.generate()


class Published:
    """A JWKS source whose keys a test changes, counting fetches; `fail` makes it raise."""

    def __init__(self, *keys: SigningKey) -> None:
        self.keys = list(keys)
        self.fetches = 0
        self.fail = False

    async def __call__(self) -> Mapping[str, Any]:
        self.fetches += 1
        if self.fail:
            raise OSError("the portal is away")
        return jwks(k.public_jwk() for k in self.keys)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def verify(keys: KeySet, token: str, audience: str = "booking") -> Any:
    return await verify_token(keys, token, audience=audience, cache=VerifiedTokens())


async def test_a_token_of_a_published_key_is_verified_with_its_role_and_subject():
    keys = KeySet(source=Published(KEY))
    principal = await verify(keys, mint_token(KEY, "school", "974760673", audience="booking"))
    assert (principal.role, principal.orgnr, principal.subject) == ("school", "974760673", "974760673")


async def test_an_unknown_kid_fetches_the_keys_again_at_most_every_few_seconds():
    source, clock = Published(KEY), Clock()
    keys = KeySet(source=source, min_refetch_seconds=5, clock=clock)
    await verify(keys, mint_token(KEY, "organiser"))
    assert source.fetches == 1
    source.keys.append(NEXT)  # rotated in: published before it signs
    clock.now += 6
    assert (await verify(keys, mint_token(NEXT, "organiser"))).role == "organiser"
    assert source.fetches == 2, "a new kid is fetched at once (the first fetch was long enough ago)"
    for _ in range(5):
        with pytest.raises(Unauthorized, match="trusted key"):
            await verify(keys, mint_token(STRANGER, "organiser"))
    assert source.fetches == 2, "no fetch again within 5 seconds of the last, however many unknown kids come"
    clock.now += 6
    for _ in range(5):
        with pytest.raises(Unauthorized):
            await verify(keys, mint_token(STRANGER, "organiser"))
    assert source.fetches == 3, "unknown kids in a burst fetch once, not once each"


async def test_a_source_with_no_key_yet_or_away_is_asked_again_within_a_second_not_five():
    source, clock = Published(), Clock()
    keys = KeySet(source=source, min_refetch_seconds=5, clock=clock)
    await keys.refresh()  # a service starting before the portal has published its first key
    source.keys.append(KEY)
    clock.now += 1
    assert (await verify(keys, mint_token(KEY, "organiser"))).role == "organiser"
    assert source.fetches == 2
    source.fail, clock.now = True, clock.now + 3600  # stale, and the portal away: asked, then again soon
    with pytest.raises(Unauthorized):
        await verify(keys, mint_token(NEXT, "organiser"))
    source.fail, clock.now = False, clock.now + 1
    source.keys.append(NEXT)
    assert (await verify(keys, mint_token(NEXT, "organiser"))).role == "organiser"
    assert source.fetches == 4


async def test_a_withdrawn_key_is_no_longer_trusted_after_a_refresh():
    source = Published(KEY, NEXT)
    keys = KeySet(source=source)
    token = mint_token(KEY, "organiser")
    await verify(keys, token)
    source.keys = [NEXT]
    await keys.refresh()
    with pytest.raises(Unauthorized, match="trusted key"):
        await verify(keys, token)
    assert (await verify(keys, mint_token(NEXT, "organiser"))).role == "organiser"


async def test_keys_older_than_their_max_age_are_fetched_again():
    source, clock = Published(KEY), Clock()
    keys = KeySet(source=source, max_age_seconds=60, clock=clock)
    await verify(keys, mint_token(KEY, "organiser"))
    source.keys = []
    clock.now += 61
    with pytest.raises(Unauthorized):
        await verify(keys, mint_token(KEY, "organiser"))
    assert source.fetches == 2


async def test_a_source_that_fails_keeps_the_keys_fetched_before():
    source, clock = Published(KEY), Clock()
    keys = KeySet(source=source, clock=clock)
    await keys.refresh()
    source.fail = True
    clock.now += 3600
    await keys.refresh()
    assert keys.kids == {KEY.kid}
    assert (await verify(keys, mint_token(KEY, "member", "m-1"))).member_id == "m-1"


async def test_a_source_publishing_a_bad_document_keeps_the_keys_fetched_before():
    async def bad() -> Mapping[str, Any]:
        return {"keys": [KEY.public_jwk() | {"d": "c2VjcmV0"}]}

    keys = KeySet([KEY.public_jwk()], source=bad)
    await keys.refresh()
    assert keys.kids == {KEY.kid}


async def test_fixed_keys_are_trusted_without_a_source_and_others_are_not():
    keys = KeySet([KEY.public_jwk()])
    assert not keys.has_source
    assert (await verify(keys, mint_token(KEY, "organiser"))).role == "organiser"
    with pytest.raises(Unauthorized, match="trusted key"):
        await verify(keys, mint_token(STRANGER, "organiser"))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."


def _claims(**extra: Any) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    return {"iss": ISSUER, "sub": "organiser", "role": "organiser", "aud": "booking", "iat": now, "exp": now + 600,
            **extra}  # fmt: skip


async def test_forged_expired_wrong_audience_and_confused_tokens_are_refused():
    keys = KeySet([KEY.public_jwk()])
    raw_public = KEY.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem_public = KEY.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    good = mint_token(KEY, "organiser", audience="booking")
    header, payload, signature = good.split(".")
    school = _b64(json.dumps(_claims(role="school", sub="974760673", orgnr="974760673")).encode())
    refused = {
        "another key": mint_token(STRANGER, "organiser", audience="booking"),
        "another key under our kid": jwt.encode(_claims(), STRANGER.private, algorithm="EdDSA",
                                                headers={"kid": KEY.kid}),
        "expired": mint_token(KEY, "organiser", audience="booking", ttl=timedelta(seconds=-1)),
        "not yet valid": mint_token(KEY, "organiser", audience="booking",
                                    now=datetime.now(UTC) + timedelta(hours=1)),
        "another audience": mint_token(KEY, "organiser", audience="notify"),
        "no audience": jwt.encode({k: v for k, v in _claims().items() if k != "aud"}, KEY.private,
                                  algorithm="EdDSA", headers={"kid": KEY.kid}),
        "another issuer": jwt.encode(_claims(iss="someone-else"), KEY.private, algorithm="EdDSA",
                                     headers={"kid": KEY.kid}),
        "alg none": _unsigned({"alg": "none", "typ": "JWT", "kid": KEY.kid}, _claims()),
        "HS256 with the public key": jwt.api_jws.PyJWS().encode(
            json.dumps(_claims()).encode(), key=raw_public, algorithm="HS256", headers={"kid": KEY.kid}
        ),
        "HS256 with the public PEM": _hs256(_claims(), pem_public, KEY.kid),
        "no kid": jwt.encode(_claims(), KEY.private, algorithm="EdDSA"),
        "tampered claims": f"{header}.{school}.{signature}",
        "garbage": "not-a-token",
    }
    for what, token in refused.items():
        with pytest.raises(Unauthorized):
            await verify(keys, token)
            pytest.fail(f"accepted a token with {what}")
    assert (await verify(keys, good)).role == "organiser"


def _hs256(claims: dict[str, Any], secret: bytes, kid: str) -> str:
    import hashlib
    import hmac

    signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': kid}).encode())}." \
                    f"{_b64(json.dumps(claims).encode())}"  # fmt: skip
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


async def test_a_token_for_several_audiences_is_accepted_by_each_and_cached_per_audience():
    keys, cache = KeySet([KEY.public_jwk()]), VerifiedTokens()
    token = mint_token(KEY, "organiser", audience=("booking", "notify"))
    assert (await verify_token(keys, token, audience="booking", cache=cache)).role == "organiser"
    assert (await verify_token(keys, token, audience="notify", cache=cache)).role == "organiser"
    with pytest.raises(Unauthorized, match="not for training"):
        await verify_token(keys, token, audience="training", cache=cache)


def test_parse_jwks_takes_public_ed25519_keys_only():
    assert parse_jwks(json.dumps(jwks([KEY.public_jwk()]))) == [KEY.public_jwk()]
    assert parse_jwks({"keys": []}) == []
    assert parse_jwks([KEY.public_jwk()]) == [KEY.public_jwk()]
    with pytest.raises(ValueError, match="private part"):
        parse_jwks({"keys": [KEY.public_jwk() | {"d": _b64(b"x" * 32)}]})
    with pytest.raises(ValueError, match="Ed25519"):
        parse_jwks({"keys": [{"kty": "RSA", "n": "abc", "e": "AQAB", "kid": "r1"}]})
    with pytest.raises(ValueError, match="Ed25519"):
        parse_jwks({"keys": [{"kty": "oct", "k": _b64(b"shared-secret"), "kid": "h1"}]})
    with pytest.raises(ValueError, match="keys"):
        parse_jwks({"keys": "everything"})
    with pytest.raises(ValueError):
        parse_jwks("{not json")


def test_a_signing_key_round_trips_through_pem_and_never_prints_its_private_part():
    again = SigningKey.from_pem(KEY.pem())
    assert again.kid == KEY.kid and again.public_jwk() == KEY.public_jwk()
    assert "PRIVATE" not in repr(KEY) and "d" not in KEY.public_jwk()
    with pytest.raises(ValueError):
        SigningKey.from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


async def test_a_token_verified_before_its_key_was_withdrawn_is_not_answered_from_the_cache():
    source = Published(KEY, NEXT)
    keys = KeySet(source=source)
    token = mint_token(KEY, "organiser")
    assert (await verify_token(keys, token, audience="booking")).role == "organiser"  # cached in the key set
    source.keys = [NEXT]
    await keys.refresh()
    with pytest.raises(Unauthorized, match="trusted key"):
        await verify_token(keys, token, audience="booking")


async def test_another_key_set_does_not_answer_from_this_one_s_cache():
    token = mint_token(KEY, "organiser")
    assert (await verify_token(KeySet([KEY.public_jwk()]), token, audience="booking")).role == "organiser"
    with pytest.raises(Unauthorized):
        await verify_token(KeySet([STRANGER.public_jwk()]), token, audience="booking")


async def test_a_fixed_key_is_used_without_asking_the_source():
    source = Published()
    source.fail = True
    keys = KeySet([KEY.public_jwk()], source=source)
    assert (await verify(keys, mint_token(KEY, "organiser"))).role == "organiser"
    assert source.fetches == 0
