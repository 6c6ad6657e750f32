"""National organisers list dead letters newest first, a page at a time, and replay one to its original topic."""

import uuid

import asyncpg
from aiokafka import ConsumerRecord

from notify.adapters.dead_letters import page_query
from outreach_dev.testing.kafka import publish_raw, read_topic
from outreach_dev.testing.plans import plan_nodes, reads
from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts import Topics
from outreach_shared.regions import Region

LIST = "/v1/operations/dead-letters"


def carrying(marker: bytes, topic: str | None = None):  # noqa: ANN201
    def found(records: list[ConsumerRecord]) -> list[ConsumerRecord]:
        return [r for r in records if r.value and marker in r.value and (topic is None or r.topic == topic)]

    return found


async def poison(kafka_bootstrap: str, value: bytes = b'{"not an envelope": "%s"}') -> tuple[bytes, ConsumerRecord]:
    """A record no consumer can handle, sent where notify reads visits; the dead letter it became."""
    marker = f"poison-{uuid.uuid4().hex}".encode()
    await publish_raw(kafka_bootstrap, Topics.VISITS, b"visit-x", value.replace(b"%s", marker))
    letters = await read_topic(kafka_bootstrap, Topics.DEAD_LETTERS, until=lambda rs: bool(carrying(marker)(rs)))
    return marker, carrying(marker)(letters)[0]


async def test_a_dead_letter_is_listed_with_its_reason_and_replayed_once_to_its_topic(
    service: RunningService, kafka_bootstrap: str, db: asyncpg.Pool
) -> None:
    national = service.auth("organiser")
    event_id = str(uuid.uuid4())
    marker, letter = await poison(kafka_bootstrap, b'{"event_id": "%s", "type": "visit.poisoned", "marker": "%%s"}'
                                  % event_id.encode())  # fmt: skip

    async def listed() -> dict | None:
        page = (await service.client.get(LIST, headers=national, params={"limit": 200})).json()
        return next((i for i in page["items"] if (i["partition"], i["offset"]) == (letter.partition, letter.offset)),
                    None)  # fmt: skip

    item = await eventually(listed)
    assert item["topic"] == Topics.VISITS and item["consumer"].startswith("notify")
    assert item["reason"] and item["replayed_at"] is None and item["replays"] == 0
    assert (item["event_id"], item["event_type"]) == (event_id, "visit.poisoned")
    assert marker.decode() not in str(item)  # never the payload

    path = f"{LIST}/{letter.partition}/{letter.offset}/replay"
    replayed = await service.client.post(path, headers=national)
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["replays"] == 1 and replayed.json()["replayed_at"]
    on_topic = await read_topic(kafka_bootstrap, Topics.VISITS, until=lambda rs: bool(carrying(marker)(rs)) and
                                len(carrying(marker)(rs)) >= 2)  # fmt: skip
    again = carrying(marker)(on_topic)[-1]
    assert again.value == letter.value and again.key == letter.key
    assert dict(again.headers)["x-replayed-from-dead-letter-offset"] == str(letter.offset).encode()

    twice = await service.client.post(path, headers=national)
    assert twice.status_code == 409 and "again=true" in twice.json()["detail"]
    once_more = await service.client.post(path, headers=national, params={"again": "true"})
    assert once_more.status_code == 200 and once_more.json()["replays"] == 2
    on_topic = await read_topic(kafka_bootstrap, Topics.VISITS, until=lambda rs: len(carrying(marker)(rs)) >= 3)
    assert len(carrying(marker)(on_topic)) == 3  # the original and two replays: the refused one sent nothing


async def test_pages_run_newest_first_without_overlap(service: RunningService, kafka_bootstrap: str) -> None:
    national = service.auth("organiser")
    for _ in range(3):
        await poison(kafka_bootstrap)
    await eventually(lambda: _at_least(service, 3))
    first = (await service.client.get(LIST, headers=national, params={"limit": 2})).json()
    assert (first["items"][0]["event_id"], first["items"][0]["event_type"]) == (None, None)  # names none
    assert len(first["items"]) == 2 and first["next"]
    second = (await service.client.get(LIST, headers=national, params={"limit": 2, "before": first["next"]})).json()
    keys = [(i["partition"], i["offset"]) for i in first["items"] + second["items"]]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)


async def _at_least(service: RunningService, count: int) -> bool:
    page = (await service.client.get(LIST, headers=service.auth("organiser"), params={"limit": count})).json()
    return len(page["items"]) >= count


async def test_only_national_organisers_see_or_replay_dead_letters_and_bad_input_names_the_field(
    service: RunningService,
) -> None:
    regional = service.auth("organiser", region=Region.of(fylker=["50"]))
    member = service.auth("member", str(uuid.uuid4()))
    for who in (regional, member):
        assert (await service.client.get(LIST, headers=who)).status_code == 403
        assert (await service.client.post(f"{LIST}/0/0/replay", headers=who)).status_code == 403
    assert (await service.client.get(LIST)).status_code == 401

    national = service.auth("organiser")
    for params, field in (({"before": "x"}, "before"), ({"limit": "0"}, "limit"), ({"before": "1-\x00"}, "before")):
        answer = await service.client.get(LIST, headers=national, params=params)
        assert answer.status_code == 422, answer.text
        assert field in answer.text
    assert (await service.client.post(f"{LIST}/-1/0/replay", headers=national)).status_code == 422
    unknown = await service.client.post(f"{LIST}/0/999999999999/replay", headers=national)
    assert unknown.status_code == 404


async def test_a_page_of_dead_letters_reads_the_key_backwards_at_scale(db: asyncpg.Pool) -> None:
    """100,000 dead letters (rolled back after): a page, first or after a cursor, reads the primary key backwards
    from where it starts, never the whole table or a sort of it."""
    async with db.acquire() as conn:
        written = conn.transaction()
        await written.start()
        try:
            await conn.execute("""INSERT INTO dead_letters (partition, "offset", topic, consumer, reason)
                                  SELECT 7, n, 'outreach.visits', 'notify', 'not an envelope'
                                  FROM generate_series(1, 100000) n""")
            await conn.execute("ANALYZE dead_letters")
            for before in (None, (7, 50_000)):
                nodes = await plan_nodes(conn, *page_query(before=before, limit=51))
                assert reads(nodes) == {"Index Scan on dead_letters_pkey"}, reads(nodes)
                assert {n.get("Scan Direction") for n in nodes if "Scan" in n["Node Type"]} == {"Backward"}
                assert not [n for n in nodes if n["Node Type"] == "Sort"]
        finally:
            await written.rollback()
