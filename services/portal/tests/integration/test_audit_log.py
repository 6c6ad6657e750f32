"""The audit log: written by every audited action, append-only in the database itself, purged only when old, and
read by national organisers a page at a time (GET /v1/audit)."""

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from signin_helpers import ORIGIN, Browser

from outreach_dev.testing.fakes import MovableClock
from outreach_dev.testing.plans import plan_nodes, reads
from outreach_dev.testing.service import RunningService
from outreach_shared.regions import Region
from portal.adapters.audit import AuditQuery, audit_purge, page_query

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _issue_link(portal: RunningService, orgnr: str) -> None:
    made = await portal.client.post("/v1/signin-links", json={"role": "school", "subject": orgnr},
                                    headers=portal.auth("organiser"))  # fmt: skip
    assert made.status_code == 201, made.text


async def test_an_audited_action_is_written_to_the_log_without_secrets(portal: RunningService) -> None:
    await _issue_link(portal, "974760673")
    row = await portal.runtime.pool.fetchrow(
        "SELECT * FROM audit_log WHERE action = 'sign_in_link_issued' AND target = 'school:974760673' "
        "ORDER BY id DESC LIMIT 1"
    )
    assert row is not None and row["actor"] == "organiser:organiser"
    assert "/login/link/" not in str(dict(row))


async def test_the_database_refuses_to_change_or_delete_a_record(portal: RunningService) -> None:
    await _issue_link(portal, "974760673")
    pool = portal.runtime.pool
    ident = await pool.fetchval("SELECT max(id) FROM audit_log")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await pool.execute("UPDATE audit_log SET actor = 'anonymous' WHERE id = $1", ident)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await pool.execute("DELETE FROM audit_log WHERE id = $1", ident)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await pool.execute("TRUNCATE audit_log")
    # Declaring a retention does not let a recent record go, nor one below the 30 days' floor.
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('portal.audit_keep_hours', '1', true)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM audit_log WHERE id = $1", ident)
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE id = $1", ident) == 1


async def test_the_purge_removes_only_records_older_than_the_retention(portal: RunningService) -> None:
    pool = portal.runtime.pool
    marker = f"purge-{uuid.uuid4().hex[:8]}"
    old, kept = await pool.fetch(
        "INSERT INTO audit_log (at, actor, action, target) VALUES (now() - interval '731 days', 'anonymous', $1, "
        "'old'), (now() - interval '700 days', 'anonymous', $1, 'kept') RETURNING id",
        marker,
    )
    assert await audit_purge(730)(pool) >= 1
    left = await pool.fetch("SELECT target FROM audit_log WHERE action = $1", marker)
    assert [r["target"] for r in left] == ["kept"], (old, kept)


async def test_only_a_national_organiser_reads_the_log(portal: RunningService) -> None:
    client = portal.client
    assert (await client.get("/v1/audit")).status_code == 401
    for who in (portal.auth("school", "974760673"), portal.auth("member", str(uuid.uuid4())),
                portal.auth("organiser", region=Region.of(["50"]))):  # fmt: skip
        answer = await client.get("/v1/audit", headers=who)
        assert answer.status_code == 403 and answer.headers["content-type"] == "application/problem+json"
    assert (await client.get("/v1/audit", headers=portal.auth("organiser"))).status_code == 200


async def test_the_log_is_read_a_page_at_a_time_with_filters(portal: RunningService) -> None:
    since = datetime.now(UTC) - timedelta(seconds=1)
    for _ in range(5):
        await _issue_link(portal, "911111111")
    national = portal.auth("organiser")
    seen: list[int] = []
    params: dict[str, str | int] = {"action": "sign_in_link_issued", "from": since.isoformat(), "limit": 2}
    while True:
        answer = await portal.client.get("/v1/audit", params=params, headers=national)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page["records"]) <= 2
        seen += [r["id"] for r in page["records"] if r["target"] == "school:911111111"]
        assert all(r["action"] == "sign_in_link_issued" for r in page["records"])
        if page["next"] is None:
            break
        params["after"] = page["next"]
    assert len(seen) == 5 and seen == sorted(set(seen))
    newest: list[int] = []
    params = {"action": "sign_in_link_issued", "from": since.isoformat(), "limit": 2, "order": "newest"}
    while True:
        page = (await portal.client.get("/v1/audit", params=params, headers=national)).json()
        newest += [r["id"] for r in page["records"] if r["target"] == "school:911111111"]
        if page["next"] is None:
            break
        params["after"] = page["next"]
    assert newest == seen[::-1]  # the same records, newest first, each once
    by_actor = await portal.client.get("/v1/audit", params={"actor": "nobody:here"}, headers=national)
    assert by_actor.json() == {"records": [], "next": None}


@pytest.mark.parametrize(("params", "field"), [
    ({"limit": 0}, "limit"),
    ({"limit": 501}, "limit"),
    ({"from": "9999-12-31T00:00:00Z"}, "from"),
    ({"to": "2026-01-01T00:00:00"}, "to"),
    ({"from": "not a time"}, "from"),
    ({"after": "garbage!"}, "after"),
    ({"after": "AAAA"}, "after"),
    ({"action": "a\x00b"}, "action"),
    ({"actor": "x" * 10_000}, "actor"),
    ({"order": "sideways"}, "order"),
])  # fmt: skip
async def test_hostile_filters_are_refused_naming_the_field(
    portal: RunningService, params: dict[str, object], field: str
) -> None:
    answer = await portal.client.get("/v1/audit", params=params, headers=portal.auth("organiser"))
    assert answer.status_code == 422, answer.text
    assert field in answer.text


async def test_the_audit_endpoint_is_documented_with_its_bounds(portal: RunningService) -> None:
    spec = (await portal.client.get("/openapi.json")).json()
    operation = spec["paths"]["/v1/audit"]["get"]
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    limit = next(p for p in operation["parameters"] if p["name"] == "limit")["schema"]
    assert (limit["minimum"], limit["maximum"]) == (1, 500)
    assert "AuditPageOut" in spec["components"]["schemas"]


async def test_a_sign_in_and_a_failed_one_are_in_the_log_with_no_secret(
    signin_portal: RunningService, signin_clock: MovableClock
) -> None:
    orgnr = "922222222"
    made = await signin_portal.client.post("/v1/signin-links", json={"role": "school", "subject": orgnr},
                                           headers=signin_portal.auth("organiser"))  # fmt: skip
    path = made.json()["url"].removeprefix(ORIGIN)
    browser = Browser(signin_portal.app, client="198.51.100.77")
    await browser.get(path)
    assert (await browser.post(path)).status_code == 303
    late = Browser(signin_portal.app, client="198.51.100.78")
    await late.get("/login")
    assert (await late.post(path)).status_code == 410
    answer = await signin_portal.client.get("/v1/audit", params={"from": signin_clock.now().isoformat(),
                                                                 "limit": 500},
                                            headers=signin_portal.auth("organiser"))  # fmt: skip
    records = answer.json()["records"]
    signed_in = [r for r in records if r["action"] == "sign_in" and r["actor"] == f"school:{orgnr}"]
    assert len(signed_in) == 1 and signed_in[0]["from_address"] == "198.51.100.77"
    failed = [r for r in records if r["action"] == "sign_in_failed" and r["from_address"] == "198.51.100.78"]
    assert failed and path.rsplit("/", 1)[-1] not in answer.text


async def test_a_newest_first_page_after_a_cursor_reads_the_time_index_backwards_at_scale(
    portal: RunningService,
) -> None:
    """50,000 records (rolled back after: the log is append-only): the operations page's newest-first page, first
    and after a cursor, starts at the cursor in the (at, id) index and reads its rows, never the whole table or a
    sort of it."""
    async with portal.runtime.pool.acquire() as conn:
        written = conn.transaction()
        await written.start()
        try:
            await conn.execute("""INSERT INTO audit_log (at, actor, action, target, details)
                                  SELECT now() - make_interval(secs => n), 'organiser:' || (n % 40), 'sign_in',
                                         'member:' || n, '{}'::jsonb FROM generate_series(1, 50000) n""")
            await conn.execute("ANALYZE audit_log")
            cursor = (datetime.now(UTC) - timedelta(hours=3), 2**40)
            for query in (AuditQuery(limit=26, newest_first=True),
                          AuditQuery(limit=26, after=cursor, newest_first=True)):  # fmt: skip
                nodes = await plan_nodes(conn, *page_query(query))
                assert reads(nodes) == {"Index Scan on audit_log_by_time"}, reads(nodes)
                assert {n.get("Scan Direction") for n in nodes if "Scan" in n["Node Type"]} == {"Backward"}
                assert not [n for n in nodes if n["Node Type"] == "Sort"]
        finally:
            await written.rollback()
