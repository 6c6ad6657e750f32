"""The independent checker: judges a soak run from what outsiders see, after a quiet period.

Sources: the services' HTTP APIs (as the schools, members and organisers they serve), the SMTP catcher's mails, the
SMS file, and the Kafka topics read with a plain consumer. One invariant is the exception: "no event lost between
outbox and consumer" reads each service's outbox and inbox tables with the stack's admin DSN, as an operator would.
An outsider cannot see an event that never left an outbox (it is on no topic) nor whether a subscriber handled it
(many events have no visible effect of their own), so only the tables can show that loss; everything else here is
outside-only. "Nothing left pending" likewise uses the operator's view (unpublished rows, overdue timers, consumer
lag), the same the fault scenarios use.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from faultkit.invariants import consumer_groups, stuck
from faultkit.stack import SERVICES, FaultStack

from soakkit.offsets import OffsetWatch
from soakkit.topics import Seen, read_all
from soakkit.workload import UNSETTLED, Workload

EXAMPLES = 5
ANSWERED = {"accept": "offer.accepted", "decline": "offer.declined"}
MESSAGE_ID_DOMAIN = "notify.jobbvinner.no"
DELIVERY_PAGE = 1000
SETTLED_ASIDE = {"failed"}  # with its reason (last_error); a cancelled delivery (its visit went first) needs none


@dataclass
class Invariant:
    """One invariant's verdict: what was checked, how many, and the problems (lost or duplicated)."""

    name: str
    checked: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """No problem found."""
        return not self.lost and not self.duplicated

    def line(self) -> str:
        """`PASS every visit settled (checked 42)` or `FAIL … lost=1 duplicated=2: first examples`."""
        verdict = "PASS" if self.passed else "FAIL"
        text = f"{verdict} {self.name} (checked {self.checked}, lost {len(self.lost)}, dup {len(self.duplicated)})"
        examples = (self.lost + self.duplicated)[:EXAMPLES]
        return text + ("".join(f"\n       - {e}" for e in examples) if examples else "")


@dataclass
class Verdict:
    """Every invariant and the run's totals."""

    invariants: list[Invariant]
    kinds: str
    """The acknowledged requests by kind."""
    requests: int
    unknown: int
    events: int
    notices: int
    faults: int

    @property
    def passed(self) -> bool:
        """Every invariant held."""
        return all(i.passed for i in self.invariants)

    def report(self) -> str:
        """One line per invariant, then the totals line."""
        lost = sum(len(i.lost) for i in self.invariants)
        duplicated = sum(len(i.duplicated) for i in self.invariants)
        totals = (f"soak: requests={self.requests} unknown={self.unknown} events={self.events} "
                  f"notices={self.notices} faults={self.faults} lost={lost} duplicated={duplicated}")
        return "\n".join([i.line() for i in self.invariants] + [f"soak: {self.kinds}", totals])


class Checker:
    """Checks one run's ledger against the system as outsiders see it."""

    def __init__(self, stack: FaultStack, workload: Workload, *, faults: int, since: datetime,
                 offsets: OffsetWatch | None = None) -> None:
        self.stack = stack
        self.offsets = offsets
        self.workload = workload
        self.ledger = workload.ledger
        self.faults = faults
        self.since = since

    async def check(self) -> Verdict:
        """Every invariant; a failure is listed, never raised."""
        seen = await read_all(self.stack.kafka_bootstrap)
        mails = self.stack.smtp.store.messages()
        sms = self._sms_lines()
        invariants = [
            await self.requests_had_their_effect_once(seen),
            await self.every_visit_settled(seen),
            await self.nobody_double_booked(),
            await self.notices_once_per_recipient_and_channel(mails, sms, seen),
            await self.no_event_lost_between_outbox_and_consumer(seen),
            await self.nothing_left_pending(),
        ]
        if self.offsets is not None:
            invariants.append(self.no_committed_offset_moved_back(self.offsets))
        ledger = self.ledger
        churn = self.workload.churn
        kinds = (f"bookings={len(ledger.visits)} cancels={len(ledger.cancelled)} "
                 f"reschedules={sum(ledger.rescheduled.values())} answers={len(ledger.answers)} "
                 f"gatherings={len(ledger.gatherings)} registrations={len(ledger.registrations)} "
                 f"withdrawals={len(churn.withdrawn)} places-taken={len(churn.places_taken)} "
                 f"joined={len(churn.joined)} deactivated={len(churn.deactivated)} erased={len(churn.erased)}")
        return Verdict(invariants, kinds=kinds, requests=self.ledger.accepted,
                       unknown=len(self.workload.unknown.bookings) + self.workload.unknown.other,
                       events=len(seen.events), notices=len(mails) + len(sms), faults=self.faults)

    # ------------------------------------------------------------------ the invariants

    async def requests_had_their_effect_once(self, seen: Seen) -> Invariant:
        """Each acknowledged booking is one visit (one visit.requested), each cancel one visit.cancelled, each
        reschedule at least one visit.rescheduled (one lost answer, sent again, may move it twice), each answer one
        offer event, each registration one place or waiting-list event, each withdrawal one withdrawal event, each
        place taken one place event; each member added, deactivated or erased shows so (`_roster_changes`); a school
        whose booking got no answer has at most one visit."""
        inv = Invariant("every acknowledged request has its effect once")
        requested = Counter(e["key"] for e in seen.of_type("visit.requested"))
        cancelled = Counter(e["key"] for e in seen.of_type("visit.cancelled"))
        answered = Counter((e["payload"]["offer_id"], e["type"]) for e in seen.of_type("offer.accepted",
                                                                                          "offer.declined"))
        registered = Counter((e["payload"]["gathering_id"], e["payload"]["member_id"], e["type"]) for e in
                             seen.of_type("gathering.registration-confirmed", "gathering.registration-waitlisted"))
        for visit_id, booked in self.ledger.visits.items():
            inv.checked += 1
            _once(inv, f"visit {visit_id} requested", requested[visit_id])
            page = await self._school_visits(booked.orgnr)
            _once(inv, f"school {booked.orgnr}'s visits (one booking)", len(page))
        for orgnr in self.workload.unknown.bookings:
            inv.checked += 1
            if len(await self._school_visits(orgnr)) > 1:
                inv.duplicated.append(f"school {orgnr}: an unanswered booking made several visits")
        for visit_id in self.ledger.cancelled:
            inv.checked += 1
            _once(inv, f"visit {visit_id} cancelled", cancelled[visit_id])
        moved = Counter(e["key"] for e in seen.of_type("visit.rescheduled"))
        for visit_id, times in self.ledger.rescheduled.items():
            inv.checked += 1
            if moved[visit_id] < times:
                inv.lost.append(f"visit {visit_id} rescheduled {times} times, {moved[visit_id]} on the topic")
        for offer_id, verb in self.ledger.answers.items():
            inv.checked += 1
            _once(inv, f"offer {offer_id} {verb}", answered[(offer_id, ANSWERED[verb])])
        withdrawn = Counter((e["payload"]["gathering_id"], e["payload"]["member_id"])
                            for e in seen.of_type("gathering.registration-withdrawn"))
        churn = self.workload.churn
        for key in churn.withdrawn:
            inv.checked += 1
            _once(inv, f"registration {key[0]}/{key[1]} withdrawn", withdrawn[key])
        for key in churn.places_taken:
            inv.checked += 1
            _once(inv, f"place at {key[0]} taken by {key[1]}",
                  registered[(*key, "gathering.registration-confirmed")])
        await self._roster_changes(inv)
        for (gathering, member), status in self.ledger.registrations.items():
            inv.checked += 1
            confirmed = registered[(gathering, member, "gathering.registration-confirmed")]
            waitlisted = registered[(gathering, member, "gathering.registration-waitlisted")]
            if confirmed + waitlisted == 0:
                inv.lost.append(f"registration {gathering}/{member} ({status}) on no topic")
            if confirmed > 1 or waitlisted > 1:
                inv.duplicated.append(f"registration {gathering}/{member}: {confirmed} places, {waitlisted} waiting")
        return inv

    async def _roster_changes(self, inv: Invariant) -> None:
        """Each member added is on the roster; each deactivated one is inactive and holds no offer or seat; each
        erased one is gone from the roster and from notify's delivery log."""
        churn = self.workload.churn
        organiser = self.stack.auth("organiser")
        for member_id in self.ledger.members:
            if member_id in churn.unsure:
                continue
            inv.checked += 1
            shown = await self.stack.client("ambassadors").get(f"/v1/members/{member_id}", headers=organiser)
            if member_id in churn.erased:
                if shown.status_code != 404:
                    inv.lost.append(f"member {member_id} erased, still on the roster ({shown.status_code})")
                if await self._deliveries(f"member:{member_id}"):
                    inv.lost.append(f"member {member_id} erased, still in notify's delivery log")
            elif shown.status_code != 200:
                inv.lost.append(f"member {member_id} not on the roster ({shown.status_code})")
            elif member_id in churn.deactivated:
                if shown.json()["active"]:
                    inv.lost.append(f"member {member_id} deactivated, still active")
                offers = await self.stack.client("ambassadors").get("/v1/me/offers",
                                                                    headers=self.stack.auth("member", member_id))
                held = [o["visit_id"] for o in offers.json() if o["status"] in ("offered", "accepted")] \
                    if offers.status_code == 200 else []
                if held:
                    inv.lost.append(f"member {member_id} deactivated, still holds visits {held}")

    async def every_visit_settled(self, seen: Seen) -> Invariant:
        """No acknowledged visit is still being staffed ('requested' or 'offered'): after the quiet period every
        visit has its team (confirmed), was given up (unfulfilled) or cancelled. An unsettled visit's story (its
        events in the order they occurred) is printed to tell why."""
        inv = Invariant("every visit settled")
        for visit_id, booked in self.ledger.visits.items():
            inv.checked += 1
            response = await self.stack.client("booking").get(f"/v1/visit-requests/{visit_id}",
                                                              headers=self.stack.auth("school", booked.orgnr))
            status = response.json().get("status") if response.status_code == 200 else f"HTTP {response.status_code}"
            if status in UNSETTLED or status.startswith("HTTP"):
                inv.lost.append(f"visit {visit_id} is {status}")
                print(f"soak: the story of visit {visit_id} ({status}):\n{self._story(visit_id, seen)}", flush=True)
        return inv

    def _story(self, visit_id: str, seen: Seen) -> str:
        """The visit's events by when they occurred, each member named with what the workload did to them."""
        churn, members = self.workload.churn, list(self.ledger.members)
        lines = []
        for e in seen.events_of_keys({visit_id}):
            payload = e.get("payload", {})
            member = payload.get("member_id")
            who = ""
            if member:
                state = ("lazy" if members[:1] == [member] else "erased" if member in churn.erased
                         else "deactivated" if member in churn.deactivated else "unsure" if member in churn.unsure
                         else "active")
                who = f" member={member[:8]} ({state})"
            extra = {k: v for k, v in payload.items() if k in ("offer_id", "reason", "round", "members")}
            lines.append(f"    {e.get('occurred_at', '')[11:23]} {e['type']} [{e['topic']}]{who} {extra}")
        return "\n".join(lines)

    async def nobody_double_booked(self) -> Invariant:
        """No member has accepted two visits whose times overlap (their own offers, as they see them)."""
        inv = Invariant("no member double-booked")
        for member_id in self.ledger.members:
            inv.checked += 1
            response = await self.stack.client("ambassadors").get("/v1/me/offers",
                                                                  headers=self.stack.auth("member", member_id))
            accepted = [o for o in response.json() if o["status"] == "accepted"] if response.status_code == 200 else []
            for i, a in enumerate(accepted):
                for b in accepted[i + 1:]:
                    if a["visit_id"] != b["visit_id"] and _overlap(a["window"], b["window"]):
                        inv.duplicated.append(f"member {member_id}: visits {a['visit_id']} and {b['visit_id']}")
        return inv

    async def notices_once_per_recipient_and_channel(self, mails: list[Any], sms: list[dict[str, Any]],
                                                     seen: Seen) -> Invariant:
        """Each mail arrived once (by Message-ID) and no recipient got the same notice twice (same subject and
        text under another Message-ID, for one event or two events telling one fact: a member offered a visit
        again after its reschedule may be told twice alike that an offer lapsed, once per offer); each SMS once;
        each acknowledged booking's 'request received' mail is one delivery in notify's delivery log (the
        organisers' view), arrived once if sent, else failed with its reason."""
        inv = Invariant("each notice delivered once per recipient and channel, or set aside")
        ids = Counter(str(m.parsed.get("Message-ID", "")).strip("<>") for m in mails)
        inv.duplicated += [f"mail {mid} arrived {n} times" for mid, n in ids.items() if n > 1]
        same: dict[tuple[tuple[str, ...], str, str], list[Any]] = {}
        for m in mails:
            same.setdefault((tuple(m.rcpt_tos), str(m.parsed.get("Subject")), _text(m)), []).append(m)
        for (to, subject, _), alike in same.items():
            told_twice = await self._one_fact(to, alike, seen) if len(alike) > 1 else None
            if told_twice:
                inv.duplicated.append(f"{to} got '{subject}' {len(alike)} times ({told_twice})")
        texts = Counter((line.get("to"), line.get("text")) for line in sms)
        inv.duplicated += [f"SMS to {to} sent {n} times" for (to, _), n in texts.items() if n > 1]
        inv.checked = len(mails) + len(sms)
        for visit_id in self.ledger.visits:  # the notice every acknowledged booking must give its school
            log = [d for d in await self._deliveries(f"school:{visit_id}")
                   if d["notice_type"] == "visit_request_received" and d["channel"] == "email"]
            if len(log) > 1:
                inv.duplicated.append(f"visit {visit_id}: {len(log)} 'request received' mail deliveries")
            for delivery in log:
                arrived = ids[f"{delivery['id']}@{MESSAGE_ID_DOMAIN}"]
                if delivery["status"] == "sent" and arrived != 1:
                    (inv.lost if not arrived else inv.duplicated).append(
                        f"visit {visit_id}: 'request received' sent, arrived {arrived} times")
                elif delivery["status"] not in ("sent", "cancelled") and not (delivery["status"] in SETTLED_ASIDE
                                                           and delivery["last_error"]):
                    inv.lost.append(f"visit {visit_id}: 'request received' {delivery['status']} without a reason")
            if not log:
                inv.lost.append(f"visit {visit_id}: no 'request received' mail delivery")
        return inv

    async def no_event_lost_between_outbox_and_consumer(self, seen: Seen) -> Invariant:
        """Each outbox row's event id is on its topic (or its key's later record, on a compacted topic) and in the
        inbox of every consumer that handles its type (operator's view: the admin DSN)."""
        inv = Invariant("no event lost between outbox and consumer")
        conn = await asyncpg.connect(self.stack.admin_dsn)
        try:
            for service in SERVICES:
                rows = await conn.fetch(f"SELECT event_id::text AS id, topic, key, envelope->>'type' AS type "
                                        f"FROM {service}.outbox WHERE created_at >= $1 AND set_aside_at IS NULL",
                                        self.since)
                inv.checked += len(rows)
                for row in rows:
                    if row["id"] not in seen.events and (row["topic"], row["key"]) not in seen.compacted_keys:
                        inv.lost.append(f"{row['type']} {row['id']} from {service}'s outbox not on {row['topic']}")
            for group in consumer_groups():
                if not group.handles:
                    continue
                handled = {r["event_id"] for r in await conn.fetch(
                    f"SELECT event_id::text FROM {group.service}.inbox WHERE consumer = $1", group.consumer)}
                for event_id, event in seen.events.items():
                    if event["topic"] in group.topics and event.get("type") in group.handles and \
                            event_id not in handled and _since(event, self.since):
                        inv.lost.append(f"{event['type']} {event_id} never in {group.consumer}'s inbox")
        finally:
            await conn.close()
        return inv

    async def nothing_left_pending(self) -> Invariant:
        """No unpublished outbox row, overdue timer or delivery, consumer lag, or open offer."""
        inv = Invariant("nothing left pending")
        left = await stuck(self.stack)
        inv.checked = len(SERVICES)
        inv.lost += [f"{what}: {n}" for what, n in left.items()]
        if await self.workload.stream._open_work():
            inv.lost.append("members still have open offers, or a visit is still being staffed")
        return inv

    @staticmethod
    def no_committed_offset_moved_back(watch: OffsetWatch) -> Invariant:
        """No consumer group's committed offset moved back during the run: a zombie (a consumer stopped past its
        session timeout, then resumed) had its stale commit refused."""
        inv = Invariant("no committed offset moved back (zombies do not commit)")
        inv.checked = watch.samples
        inv.duplicated += watch.moved_back
        return inv

    # ------------------------------------------------------------------ what outsiders read

    async def _school_visits(self, orgnr: str) -> list[dict[str, Any]]:
        response = await self.stack.client("booking").get("/v1/visit-requests",
                                                          headers=self.stack.auth("school", orgnr))
        return response.json()["items"] if response.status_code == 200 else []

    async def _deliveries(self, recipient: str) -> list[dict[str, Any]]:
        """A recipient's whole delivery log, page by page (the lazy member's runs to hundreds)."""
        found: list[dict[str, Any]] = []
        while True:
            response = await self.stack.client("notify").get(
                "/v1/notifications", params={"recipient": recipient, "limit": DELIVERY_PAGE, "offset": len(found)},
                headers=self.stack.auth("organiser"))
            assert response.status_code == 200, f"notify's delivery log: {response.status_code} {response.text}"
            page = list(response.json())
            found += page
            if len(page) < DELIVERY_PAGE:
                return found

    async def _one_fact(self, to: tuple[str, ...], alike: list[Any], seen: Seen) -> str | None:
        """How mails alike to one address tell one fact twice, or None when they tell different facts: sent for the
        same event, or for events telling one fact (`_fact`: type, key and payload; a visit given up again after
        it was offered again or moved is a new fact). Told apart by the recipient's delivery log, which names each
        mail's event (a member's, a school's, an organiser's); mails missing from it count as one fact told twice."""
        recipient = self._recipient_of(to)
        churn = self.workload.churn
        if recipient.removeprefix("member:") in churn.erased | churn.unsure:
            return None  # their delivery log went with them: mails alike cannot be told apart (Message-IDs still are)
        log = {d["id"]: d["event_id"] for d in await self._deliveries(recipient)}
        events = [log.get(str(m.parsed.get("Message-ID", "")).strip("<>").split("@")[0]) for m in alike]
        if None in events:
            return f"a mail that is not in {recipient}'s delivery log"
        if len(set(events)) < len(events):
            return f"sent for one event: {sorted(set(events))}"
        facts = [_fact(seen.events[e], seen) if e in seen.events else e for e in events]
        if len(set(facts)) == len(facts):
            return None
        keys = {seen.events[e].get("key") for e in events if e in seen.events}
        story = "; ".join(f"{e.get('occurred_at', '')[11:23]} {e['type']}" for e in seen.events_of_keys(keys))
        return f"one fact in events {sorted(events)}; their keys' events: {story}"

    def _recipient_of(self, to: tuple[str, ...]) -> str:
        address = to[0] if len(to) == 1 else ",".join(to)
        for member_id, member in self.ledger.members.items():
            if member.get("email") == address:
                return f"member:{member_id}"
        for visit_id, booked in self.ledger.visits.items():
            if booked.contact_email == address:
                return f"school:{visit_id}"
        return f"organiser:{address}"

    def _sms_lines(self) -> list[dict[str, Any]]:
        lines: list[dict[str, Any]] = []
        for path in Path(self.stack.workdir).rglob("*sms*.jsonl"):
            lines += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return lines


def _once(inv: Invariant, what: str, n: int) -> None:
    if n == 0:
        inv.lost.append(f"{what}: never")
    elif n > 1:
        inv.duplicated.append(f"{what}: {n} times")


GIVING_UP = ("team.none-available", "visit.unfulfilled")
"""A visit given up is given up anew once it was offered again or moved (the model: an offer made revives an
unfulfilled visit, and giving it up again owes the organisers and the school their notices again)."""
REVIVING = ("offer.made", "visit.rescheduled")


def _fact(event: dict[str, Any], seen: Seen) -> str:
    """What an event tells, without its own id and times: two events alike tell one fact twice. Giving a visit up
    tells which time it is: ambassadors' `team.none-available` by the offers and moves of the visit before it;
    booking's `visit.unfulfilled` by the "no team" it answers (its cause; booking, behind, may hear "no team", an
    offer and "no team" again after all three happened, and then rightly gives the visit up twice)."""
    payload = {k: v for k, v in dict(event.get("payload") or {}).items() if not k.endswith("_at")}
    fact: list[Any] = [event.get("type"), event.get("key"), payload]
    cause = seen.events.get(str(event.get("causation_id")))
    if event.get("type") == "visit.unfulfilled" and cause is not None and cause.get("type") in GIVING_UP:
        fact.append(_fact(cause, seen))
    elif event.get("type") in GIVING_UP:
        when = str(event.get("occurred_at", ""))
        fact.append(sum(1 for e in seen.events_of_keys({str(payload.get("visit_id"))})
                        if e.get("type") in REVIVING and str(e.get("occurred_at", "")) < when))
    return json.dumps(fact, sort_keys=True, default=str)


def _overlap(a: dict[str, str], b: dict[str, str]) -> bool:
    return datetime.fromisoformat(a["start"]) < datetime.fromisoformat(b["end"]) and \
        datetime.fromisoformat(b["start"]) < datetime.fromisoformat(a["end"])


def _since(event: dict[str, Any], since: datetime) -> bool:
    return datetime.fromisoformat(str(event.get("occurred_at"))) >= since


def _text(mail: Any) -> str:
    body = mail.parsed.get_body(preferencelist=("plain",)) if hasattr(mail.parsed, "get_body") else None
    return body.get_content() if body is not None else ""
