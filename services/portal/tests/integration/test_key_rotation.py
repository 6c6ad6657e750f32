"""Rotating the signing key under load: services that refresh the JWKS more often than a successor is published
ahead never meet a token they cannot verify. And the manual trigger is for national organisers only."""

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from outreach_dev.testing.service import RunningService
from outreach_shared.auth import VerifiedTokens
from outreach_shared.errors import Unauthorized
from outreach_shared.regions import Region
from outreach_shared.signing import KeySet, verify_token
from outreach_shared.skeleton import Scope
from portal.domain.accounts import Account
from portal.domain.rotation import KeyPolicy
from portal.service_layer import rotation, tokens
from portal.service_layer.unit_of_work import PortalUnit

pytestmark = pytest.mark.asyncio(loop_scope="session")


@contextmanager
def publishing_ahead(portal: RunningService, seconds: float) -> Iterator[None]:
    """The portal's units of work with a short publish-ahead (the default is ten minutes)."""
    wiring = portal.runtime.wiring
    original: Callable[..., Any] = wiring.unit

    def unit(conn: Any, scope: Any) -> PortalUnit:
        uow = original(conn, scope)
        uow.key_policy = KeyPolicy(publish_ahead=timedelta(seconds=seconds))
        return uow

    wiring.unit = unit
    try:
        yield
    finally:
        wiring.unit = original


def a_service_keyset(portal: RunningService, *, refresh_seconds: float, min_refetch_seconds: float) -> KeySet:
    """A service's key set over the portal's published JWKS (fetched over HTTP, as services do)."""

    async def fetch() -> Any:
        response = await portal.client.get("/.well-known/jwks.json")
        response.raise_for_status()
        return response.json()

    return KeySet(source=fetch, min_refetch_seconds=min_refetch_seconds, max_age_seconds=refresh_seconds)


async def load(
    portal: RunningService, keyset: KeySet, seconds: float, rotations: list[float]
) -> tuple[int, int, set[str]]:
    """Workers get tokens and verify them while the key rotates at the given offsets: (verified, failed, kids)."""
    verified = failed = 0
    kids: set[str] = set()
    stop_at = time.monotonic() + seconds

    async def worker(n: int) -> None:
        nonlocal verified, failed
        while time.monotonic() < stop_at:
            async with portal.runtime.unit_of_work(f"load-{n}") as uow:
                token = await tokens.issue(uow, Account("member", f"m-{n}"), "booking")  # type: ignore[arg-type]
            try:
                await verify_token(keyset, token, audience="booking", cache=VerifiedTokens())
                verified += 1
            except Unauthorized:
                failed += 1
            kids.add(token.split(".")[0])

    async def rotator() -> None:
        began = time.monotonic()
        for offset in rotations:
            await asyncio.sleep(max(0.0, began + offset - time.monotonic()))
            async with portal.runtime.unit_of_work("rotate") as uow:
                await rotation.rotate(uow, actor="test")  # type: ignore[arg-type]

    await asyncio.gather(rotator(), *(worker(n) for n in range(8)))
    return verified, failed, kids


async def test_rotating_under_load_fails_no_verification(portal: RunningService) -> None:
    keyset = a_service_keyset(portal, refresh_seconds=0.3, min_refetch_seconds=0.1)
    with publishing_ahead(portal, 1.0):  # published 1 s before it signs; the services refresh every 0.3 s
        verified, failed, headers = await load(portal, keyset, 6.0, rotations=[0.5, 2.0, 3.5])
    assert failed == 0 and verified > 100, (verified, failed)
    assert len(headers) >= 3, "tokens from several keys were verified"  # each header names its kid


async def test_without_publishing_ahead_a_service_that_cached_the_jwks_refuses_the_new_keys_tokens(
    portal: RunningService,
) -> None:  # the check above can fail: this is what it guards against
    keyset = a_service_keyset(portal, refresh_seconds=300, min_refetch_seconds=60)
    with publishing_ahead(portal, 0.0):
        _verified, failed, _ = await load(portal, keyset, 2.0, rotations=[0.5])
    assert failed > 0


async def test_the_manual_rotation_is_for_national_organisers_and_publishes_the_key_first(
    portal: RunningService,
) -> None:
    for headers in (portal.auth("organiser", region=Region.of(fylker=["03"])), portal.auth("school", "974760673"),
                    portal.auth("member", "7b0c7a52-3a39-4b39-9d3b-1a1f8e8c2f11")):  # fmt: skip
        assert (await portal.client.post("/v1/keys/rotate", headers=headers)).status_code == 403
    assert (await portal.client.post("/v1/keys/rotate")).status_code == 401
    answer = await portal.client.post("/v1/keys/rotate", headers=portal.auth("organiser"))
    assert answer.status_code == 202, answer.text
    published = {jwk["kid"] for jwk in (await portal.client.get("/.well-known/jwks.json")).json()["keys"]}
    assert answer.json()["kid"] in published  # published now, signing only after the publish-ahead time
    async with portal.runtime.unit_of_work("check") as uow:
        signer = await tokens.keys.current_signer(uow)  # type: ignore[arg-type]
        rows = await uow.conn.fetch("SELECT actor, action, target FROM audit_log WHERE action = 'key_rotated' "
                                    "AND target = $1", answer.json()["kid"])  # fmt: skip
    assert signer.kid != answer.json()["kid"]
    assert [r["actor"] for r in rows] and rows[0]["actor"].startswith("organiser:")


async def test_the_key_rotates_by_itself_once_the_period_has_passed(portal: RunningService) -> None:
    async with portal.runtime.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            scope = Scope(now=datetime.now(UTC) + timedelta(days=31), producer="portal", correlation_id="test")
            uow = portal.runtime.wiring.unit(conn, scope)
            assert await rotation.rotate_if_due(uow) is not None  # type: ignore[arg-type]
            assert await rotation.rotate_if_due(uow) is None  # type: ignore[arg-type]  # one rotation, not two
        finally:
            await transaction.rollback()  # leave the session's keys as they were
