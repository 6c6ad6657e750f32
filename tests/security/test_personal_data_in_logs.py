"""No personal data in logs or dead-letter headers: a member, a school contact and poison messages carrying e-mail
addresses, phone numbers and names pass through every service with production logging (JSON, INFO); then every
captured log line and every header of the resulting dead letters is searched for them."""

import json
import secrets
from datetime import UTC, datetime
from uuid import uuid4

from sec_data import book, inbox, offer_for, published_gathering, random_orgnr, register_member, unique_email
from sec_kafka import read_everything, send_raw
from sec_system import System

from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts import Topics

PLACE = "5501"  # Tromsø: the member is the only one near, so the offer is hers


def _needles(*people: dict[str, str]) -> list[str]:
    """Each person's e-mail, phone (national digits: any format contains them) and surname."""
    return [n for p in people for n in (p["email"], p["phone"][-8:], p["name"].split()[-1])]


def _poison(person: dict[str, str]) -> list[tuple[str, bytes]]:
    """Records no consumer can handle, each carrying the person's data: not JSON, an invalid payload, an
    unsupported schema version."""
    envelope = {
        "event_id": str(uuid4()), "type": "member.registered", "schema_version": 1,
        "occurred_at": datetime.now(UTC).isoformat(), "producer": "ambassadors", "correlation_id": "poison",
        "key": str(uuid4()),
        "payload": {"member": {"member_id": "x", "name": person["name"], "email": f"{person['name']} {person['email']}",
                               "phone": person["phone"]}},
    }  # fmt: skip
    return [
        (Topics.MEMBERS, f"kontakt {person['name']} <{person['email']}> tlf {person['phone']}".encode()),
        (Topics.MEMBERS, json.dumps(envelope).encode()),
        (Topics.VISIT_CONTACTS, json.dumps(envelope | {"type": "visit-contact.shared", "schema_version": 99}).encode()),
    ]


async def test_personal_data_reaches_no_log_line_and_no_dead_letter_header(system: System) -> None:
    member = await register_member(system, kommunenummer=PLACE)
    booked = await book(system, random_orgnr(), kommunenummer=PLACE)
    offer = await offer_for(system, member["id"], booked["id"])
    accepted = await system.client("ambassadors").post(
        f"/v1/offers/{offer['id']}/accept", headers=system.auth("member", member["id"])
    )
    assert accepted.status_code == 200, accepted.text
    await eventually(lambda: inbox(system, member["id"]))
    gathering = await published_gathering(system)
    registration = await system.client("training").post(
        f"/v1/gatherings/{gathering}/registrations", json={"dietary": "vegan"},
        headers=system.auth("member", member["id"]),
    )  # fmt: skip
    assert registration.status_code == 201, registration.text
    poisoned = {"name": f"Gift Giftig{secrets.token_hex(2)}", "email": unique_email("gift"), "phone": "+4798765432"}
    sent = [await send_raw(system.kafka_bootstrap, topic, b"poison", value) for topic, value in _poison(poisoned)]
    letters = await eventually(lambda: _dead_letters_of(system, sent), timeout=60)

    needles = _needles(member, booked["contact"], poisoned)
    headers = [f"{k}={v.decode()}" for letter in letters for k, v in letter.headers]
    assert [h for h in headers if any(n.lower() in h.lower() for n in needles)] == []
    lines = system.logs.lines()
    assert all(json.loads(line) for line in lines)  # production format: one JSON object a line
    assert any(' handled"' in line for line in lines)  # events were handled (and logged) while we watched
    assert any("dead-lettering record" in line for line in lines)
    leaks = [line for line in lines if any(n.lower() in line.lower() for n in needles)]
    assert leaks == [], "\n".join(leaks[:5])


async def _dead_letters_of(system: System, sent: list) -> list:  # type: ignore[type-arg]
    """The dead letters of the sent records, once every one of our consumers of their topics rejected them."""
    origins = {(m.topic, str(m.partition), str(m.offset)) for m in sent}
    letters = [
        r for r in await read_everything(system.kafka_bootstrap)
        if r.topic == Topics.DEAD_LETTERS and _origin(r) in origins
    ]  # fmt: skip
    ours = {(_origin(r), dict(r.headers)["x-dead-letter-consumer"].decode()) for r in letters}
    expected = {(o, c) for o in origins for c in _consumers_of(o[0])}
    assert expected <= ours, f"waiting for dead letters: {sorted(expected - ours)}"
    return letters


def _origin(record: object) -> tuple[str, str, str]:
    headers = {k: v.decode() for k, v in record.headers}  # type: ignore[attr-defined]
    return headers.get("x-original-topic", ""), headers.get("x-original-partition", ""), headers.get(
        "x-original-offset", ""
    )


def _consumers_of(topic: str) -> set[str]:
    """Consumers that handle member or contact snapshots, so reject all three kinds of poison on that topic."""
    return {Topics.MEMBERS: {"training", "notify-contacts"}, Topics.VISIT_CONTACTS: {"notify-contacts"}}[topic]
