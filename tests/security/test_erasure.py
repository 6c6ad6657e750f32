"""Erasure: once a member and a school contact are erased, their e-mail and phone are in no table of any service's
schema and in no record Kafka retains, on any topic. Personal data travels only on the compacted topics, where the
erasure event is the latest record of its key: the test rolls their segments and waits for the log cleaner."""

import secrets
import time

import asyncpg
from sec_data import book, offer_for, random_orgnr, register_member
from sec_kafka import read_everything, roll_segments, set_segment_ms
from sec_system import DEFINITIONS, System

from outreach_dev.devstack.provision import COMPACTED_TOPIC_CONFIG
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts import Topics

COMPACTED = [Topics.MEMBERS, Topics.VISIT_CONTACTS]
SEGMENT_MS = 2000
PLACE = "1833"  # Rana: the member is the only one near, so the offer is hers
FAR_AWAY = "5605"  # Sør-Varanger: the same for the first-name test


async def rows_mentioning(dsn: str, needles: list[str]) -> list[str]:
    """Every table, in every service schema, with a row whose text contains a needle."""
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE'", list(DEFINITIONS),
        )  # fmt: skip
        found = []
        for t in tables:
            name = f'"{t["table_schema"]}"."{t["table_name"]}"'
            for needle in needles:
                if await conn.fetchval(f"SELECT count(*) FROM {name} AS r WHERE r::text ILIKE $1", f"%{needle}%"):
                    found.append(f"{name} holds {needle!r}")
        return found
    finally:
        await conn.close()


async def records_mentioning(bootstrap: str, needles: list[str]) -> list[str]:
    """Every retained record, of every topic, that contains a needle."""
    return [
        f"{r.topic}/{r.partition}@{r.offset} holds {n!r}"
        for r in await read_everything(bootstrap) for n in needles if r.mentions(n)
    ]  # fmt: skip


async def test_erased_member_and_contact_leave_no_email_or_phone_in_any_schema_or_topic(system: System) -> None:
    member = await register_member(system, kommunenummer=PLACE)
    booked = await book(system, random_orgnr(), kommunenummer=PLACE)
    await offer_for(system, member["id"], booked["id"])  # the member's data reached every service that wants it
    needles = [member["email"], member["phone"], booked["contact"]["email"], booked["contact"]["phone"]]

    async def spread() -> bool:
        rows = await rows_mentioning(system.db_admin_dsn, needles)
        assert {r.split(" holds ")[0].split(".")[0] for r in rows} >= {'"ambassadors"', '"booking"', '"notify"'}, rows
        return True

    await eventually(spread)
    assert len(await records_mentioning(system.kafka_bootstrap, needles)) >= 4  # both snapshots, both topics

    await set_segment_ms(system.kafka_bootstrap, COMPACTED, SEGMENT_MS)
    try:
        organiser = system.auth("organiser")
        erased = await system.client("ambassadors").delete(f"/v1/members/{member['id']}", headers=organiser)
        contact = await system.client("booking").delete(f"/v1/visit-requests/{booked['id']}/contact", headers=organiser)
        assert (erased.status_code, contact.status_code) == (204, 204), (erased.text, contact.text)

        async def no_rows_left() -> bool:
            left = await rows_mentioning(system.db_admin_dsn, needles)
            assert left == [], left
            return True

        await eventually(no_rows_left, timeout=30)
        started = time.monotonic()

        async def no_records_left() -> bool:
            await roll_segments(system.kafka_bootstrap, COMPACTED)  # closes segments older than SEGMENT_MS
            left = await records_mentioning(system.kafka_bootstrap, needles)
            assert left == [], left
            return True

        await eventually(no_records_left, timeout=90, interval=SEGMENT_MS / 1000)
        print(f"\ncompaction removed the personal data {time.monotonic() - started:.1f} s after erasure")
    finally:
        await set_segment_ms(system.kafka_bootstrap, COMPACTED, int(COMPACTED_TOPIC_CONFIG["segment.ms"]))
    assert (await system.client("ambassadors").get(f"/v1/members/{member['id']}", headers=organiser)).status_code == 404
    visit = await system.client("booking").get(f"/v1/visit-requests/{booked['id']}", headers=organiser)
    assert visit.status_code == 200 and visit.json()["contact"] is None


async def test_an_erased_members_first_name_is_on_no_topic(system: System) -> None:
    """Team events carry member ids only: the first name of a member on a confirmed team travels only on the
    compacted members topic, and is gone from every topic once the member is erased and the topic compacted."""
    first_name = f"Unikfornavn{secrets.token_hex(3)}"
    member = await register_member(system, kommunenummer=FAR_AWAY, name=f"{first_name} Etternavn")
    orgnr = random_orgnr()
    booked = await book(system, orgnr, kommunenummer=FAR_AWAY)
    offer = await offer_for(system, member["id"], booked["id"])
    accepted = await system.client("ambassadors").post(
        f"/v1/offers/{offer['id']}/accept", headers=system.auth("member", member["id"])
    )
    assert accepted.status_code == 200, accepted.text
    school = system.auth("school", orgnr)

    async def confirmed_with_name() -> bool:
        visit = (await system.client("booking").get(f"/v1/visit-requests/{booked['id']}", headers=school)).json()
        return visit["status"] == "confirmed" and [m["first_name"] for m in visit["team"]] == [first_name]

    await eventually(confirmed_with_name, timeout=30)
    holding = {r.split(" holds ")[0].split("/")[0] for r in await records_mentioning(system.kafka_bootstrap,
                                                                                      [first_name])}  # fmt: skip
    assert holding == {Topics.MEMBERS}, holding  # not visits, not offers: only the member's own snapshots

    await set_segment_ms(system.kafka_bootstrap, [Topics.MEMBERS], SEGMENT_MS)
    try:
        organiser = system.auth("organiser")
        erased = await system.client("ambassadors").delete(f"/v1/members/{member['id']}", headers=organiser)
        assert erased.status_code == 204, erased.text

        async def no_records_left() -> bool:
            await roll_segments(system.kafka_bootstrap, [Topics.MEMBERS])
            left = await records_mentioning(system.kafka_bootstrap, [first_name])
            assert left == [], left
            return True

        await eventually(no_records_left, timeout=90, interval=SEGMENT_MS / 1000)
    finally:
        await set_segment_ms(system.kafka_bootstrap, [Topics.MEMBERS], int(COMPACTED_TOPIC_CONFIG["segment.ms"]))
    visit = (await system.client("booking").get(f"/v1/visit-requests/{booked['id']}", headers=school)).json()
    assert first_name not in str(visit["team"])
