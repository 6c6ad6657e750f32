"""The whole system against the reference model, as a hypothesis state machine.

Each rule acts through the public APIs, tells the model what it did, then waits until the system is quiet: the
model accepts what the system did on its own (offers made, offers expiring, no team found) only when legal, and
everything observable (statuses, teams, notify's deliveries per recipient and channel, mails, calendar objects,
gathering registrations) must match the model. At the end of each run the system settles (offers lapse, searches
retry) and every visit must be confirmed with a full accepted team, unfulfilled, or cancelled.
"""

import itertools
import os
import secrets
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import expected_notices as n
from flows_kit import ORGANISER_EMAIL, OSLO
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from reference import Model, Offer, Violation, Visit
from system import Observation, System, Window, parse_window

MUNICIPALITIES = itertools.cycle([("1103", "11"), ("1508", "15"), ("1804", "18"), ("3403", "34"), ("4204", "42"),
                                  ("4601", "46"), ("5001", "50"), ("5501", "55"), ("5603", "56"), ("0301", "03")])
"""Each run's roster and schools live in a municipality (and county) of their own, far from the last run's."""
VERBOSE = bool(os.environ.get("MODEL_VERBOSE"))
ROSTER_SIZE = 3
SCHOOLS = 2
MAX_VISITS = 4
QUIET_POLLS = 2
STEP_DEADLINE = 25.0
SETTLE_DEADLINE = 120.0
TORN_LOOKS = 5
"""How often in a row a look may be taken as torn before its new offer for a seat still held counts as a violation."""
NO_TEAM_MAIL_WAIT = 30.0
"""How long a look waits for the organisers' "no team" mail after seeing its release of a confirmed visit's team."""


class TornLook(Exception):  # noqa: N818 (a signal to look again, not an error)
    """One look at the system read one member's offers before a change and another's after it (an offer expired and
    its seat offered again while the look went from member to member): the new offer seems to take a seat the old
    one still holds. Or it saw a confirmed visit's team released for want of a replacement before the organisers'
    "no team" mail, which tells the model why, reached the mail catcher (the release and the mail travel apart).
    The look is taken again; the same picture for too long is a real violation."""


def school_day(weeks_ahead: int = 4) -> datetime:
    """A Tuesday some weeks ahead, at midnight Oslo time."""
    day = datetime.now(OSLO).date() + timedelta(weeks=weeks_ahead)
    while day.weekday() != 1:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=OSLO)


def slots() -> list[Window]:
    """The windows schools choose from: school days in school hours; 0 and 1 overlap, 2 is later the same day."""
    day = school_day()
    spans = [(day, 9, 11), (day, 10, 12), (day, 13, 15), (day + timedelta(days=1), 9, 11)]
    return [((d + timedelta(hours=a)).astimezone(UTC), (d + timedelta(hours=b)).astimezone(UTC)) for d, a, b in spans]


class SystemMachine(RuleBasedStateMachine):
    """Schools, members and organisers acting on the running system; the model checks after every step."""

    system: System
    offer_ttl: float = 10.0
    search_retry: float = 4.0

    def __init__(self) -> None:
        super().__init__()
        self.model = Model([ORGANISER_EMAIL])
        self._torn_looks = 0
        self._awaiting_no_team_since: float | None = None
        self.kommunenummer, self.county = next(MUNICIPALITIES)
        self.roster: list[str] = []
        self.schools: list[str] = []
        self.slots = slots()

    # ------------------------------------------------------------------ set-up

    @initialize(confirmed_team=st.integers(0, 2), windows=st.lists(st.integers(0, 3), min_size=1, max_size=2,
                                                                  unique=True))
    def roster_and_schools(self, confirmed_team: int = 0, windows: tuple[int, ...] = (0,)) -> None:
        """The roster and the schools; with `confirmed_team`, a first visit of that team size, booked and accepted
        by its whole team, so that runs start with a confirmed visit to change (reschedule, cancel, leave)."""
        for _ in range(ROSTER_SIZE):
            first_name = f"M{secrets.token_hex(3)}"
            member = self.system.register_member(first_name, self.kommunenummer)
            self.model.add_member(member["id"], member["email"], first_name)
        self.roster = sorted(self.model.members)  # ambassadors ranks equal members by id: so does every pick
        self.schools = [self.system.new_school() for _ in range(SCHOOLS)]
        self.quiet()
        if confirmed_team:
            self.book(school=0, windows=list(windows), team_size=confirmed_team)
            deadline = time.monotonic() + STEP_DEADLINE
            while len(self._answerable()) < confirmed_team:  # the roster is free: the whole team is offered
                assert time.monotonic() < deadline, f"no team offered for the first visit: {self._summary()}"
                time.sleep(0.5)
                self.quiet()
            self.whole_team_accepts(pick=0)

    # ------------------------------------------------------------------ schools

    def _aside(self) -> bool:
        """Whether the organisers' and the gathering's rules may run: not while a visit confirmed before (and since
        rescheduled) is offered again, so that runs go on to answer those offers before they lapse (the path where
        defect 2 of issue 20 lay: confirm, reschedule, the whole new team accepts)."""
        return not any(self.model.visits[o.visit_id].sequence and not self.model.visits[o.visit_id].confirmed
                       for o in self._answerable())

    @precondition(lambda self: self._aside() and sum(not v.cancelled for v in self.model.visits.values()) < MAX_VISITS)
    @rule(school=st.integers(0, SCHOOLS - 1), windows=st.lists(st.integers(0, 3), min_size=1, max_size=2,
                                                               unique=True), team_size=st.integers(1, 2))
    def book(self, school: int, windows: list[int], team_size: int) -> None:
        chosen = sorted(self.slots[i] for i in windows)
        orgnr = self.schools[school]
        visit_id, contact = self.system.book(orgnr, self.kommunenummer, chosen, team_size)
        self.model.booked(Visit(visit_id, orgnr, contact, chosen, team_size))
        self.quiet()

    def _live_visits(self) -> list[Visit]:
        return [v for v in self.model.visits.values() if not v.cancelled]

    @precondition(lambda self: self._live_visits())
    @rule(pick=st.integers(0, 7))
    def cancel(self, pick: int) -> None:
        visit = self._pick(self._live_visits(), pick)
        response = self.system.cancel(visit.id, visit.orgnr)
        assert response.status_code == 200, response.text
        self.model.cancelled(visit)
        self.quiet()

    @precondition(lambda self: self._live_visits())
    @rule(pick=st.integers(0, 7), windows=st.lists(st.integers(0, 3), min_size=1, max_size=2, unique=True))
    def reschedule(self, pick: int, windows: list[int]) -> None:
        visit = self._pick(self._live_visits(), pick)
        chosen = sorted(self.slots[i] for i in windows)
        response = self.system.reschedule(visit.id, visit.orgnr, chosen)
        assert response.status_code == 200, response.text
        self.model.rescheduled(visit, chosen)
        self.quiet()

    def _confirmed_visits(self) -> list[Visit]:
        return [v for v in self.model.visits.values() if v.confirmed and not v.cancelled]

    @precondition(lambda self: self._confirmed_visits())
    @rule(pick=st.integers(0, 7), windows=st.lists(st.integers(0, 3), min_size=1, max_size=2, unique=True))
    def reschedule_confirmed(self, pick: int, windows: list[int]) -> None:
        """A school moves a confirmed visit: the team is released, calendars change, a new team is found."""
        self.reschedule(self._live_visits().index(self._pick(self._confirmed_visits(), pick)), windows)

    # ------------------------------------------------------------------ members

    def _answerable(self) -> list[Offer]:
        soon = datetime.now(UTC) + timedelta(seconds=3)
        return [o for o in self.model.open_offers() if o.expires_at > soon]

    @precondition(lambda self: self._answerable())
    @rule(pick=st.integers(0, 7))
    def accept(self, pick: int) -> None:
        self._answer(self._pick(self._answerable(), pick), "accept", "accepted")

    @precondition(lambda self: self._answerable())
    @rule(pick=st.integers(0, 7))
    def whole_team_accepts(self, pick: int) -> None:
        """Everyone offered one visit accepts, one after the other (so full teams are common in short runs)."""
        visit_id = self._pick(self._answerable(), pick).visit_id
        for offer in [o for o in self._answerable() if o.visit_id == visit_id]:
            self._answer(offer, "accept", "accepted")

    @precondition(lambda self: self._answerable())
    @rule(pick=st.integers(0, 7))
    def decline(self, pick: int) -> None:
        self._answer(self._pick(self._answerable(), pick), "decline", "declined")

    def _answer(self, offer: Offer, verb: str, status: str) -> None:
        response = self.system.answer(offer.member_id, offer.id, verb)
        if response.status_code == 409 and datetime.now(UTC) >= offer.expires_at - timedelta(seconds=1):
            pass  # it lapsed meanwhile: the next look sees it expired
        else:
            assert response.status_code == 200, response.text
            assert response.json()["status"] == status, response.text
            self.model.offer_answered(offer, status)
        self.quiet()

    @precondition(lambda self: self.model.open_offers())
    @rule(pick=st.integers(0, 7))
    def let_expire(self, pick: int) -> None:
        offer = self._pick(self.model.open_offers(), pick)
        deadline = time.monotonic() + max(0.0, (offer.expires_at - datetime.now(UTC)).total_seconds()) + 20
        while offer.status == "offered":
            assert time.monotonic() < deadline, f"offer {offer.id} did not expire at {offer.expires_at}"
            time.sleep(0.5)
            self._look()
        self.quiet()

    # ------------------------------------------------------------------ organisers

    def _active(self) -> list[str]:
        return [m for m in self.roster if self.model.members[m].active]

    def _may_leave(self) -> bool:
        """Organisers take one member off per run, once a visit is booked (else runs lose their roster early)."""
        return bool(self.model.visits) and all(m.active for m in self.model.members.values())

    def _present(self) -> list[str]:
        return [m for m in self.roster if not self.model.members[m].erased]

    @precondition(lambda self: self._aside() and self._may_leave())
    @rule(pick=st.integers(0, 7))
    def deactivate(self, pick: int) -> None:
        member = self.model.members[self._pick(self._active(), pick)]
        response = self.system.deactivate(member.id)
        assert response.status_code == 200, response.text
        self.model.member_leaves(member, erased=False, mails_now=0)
        self.quiet()

    @precondition(lambda self: self._aside() and self._may_leave())
    @rule(pick=st.integers(0, 7))
    def erase(self, pick: int) -> None:
        member = self.model.members[self._pick(self._present(), pick)]
        mails_now = len(self.system.mail_ids(member.email))
        response = self.system.erase(member.id)
        assert response.status_code == 204, response.text
        self.model.member_leaves(member, erased=True, mails_now=mails_now)
        self.quiet()

    @precondition(lambda self: self._aside())
    @rule(action=st.sampled_from(["publish", "register", "withdraw", "take_place"]), pick=st.integers(0, 7))
    def gathering(self, action: str, pick: int) -> None:
        """An organiser publishes the annual gathering (capacity 1); members register, withdraw, take a place
        offered. One rule for all four, so gatherings take their share of a run's few steps, not most of them."""
        g = self.model.gathering
        if g is None:
            gathering_id = self.system.create_gathering(self.kommunenummer, self.county, capacity=1)
            self.model.gathering_published(gathering_id, capacity=1)
        elif action == "register" and self._may_register():
            member_id = self._pick(self._may_register(), pick)
            response = self.system.register_for(g.id, member_id)
            assert response.status_code in (200, 201), response.text
            expected = self.model.registered(member_id)
            assert response.json()["status"] == expected, f"registered {response.json()['status']}, not {expected}"
        elif action == "withdraw" and self._registered("confirmed", "waitlisted", "offered"):
            member_id = self._pick(self._registered("confirmed", "waitlisted", "offered"), pick)
            response = self.system.withdraw_from(g.id, member_id)
            assert response.status_code == 204, response.text
            self.model.withdrew(member_id)
        elif action == "take_place" and self._registered("offered"):
            member_id = self._pick(self._registered("offered"), pick)
            response = self.system.accept_place(g.id, member_id)
            assert response.status_code == 200, response.text
            self.model.place_taken(member_id)
        self.quiet()

    def _may_register(self) -> list[str]:
        g = self.model.gathering
        return [] if g is None else [m for m in self._active() if m in g.invited and m not in g.ever_registered]

    def _registered(self, *statuses: str) -> list[str]:
        g = self.model.gathering
        return [] if g is None else [m for m in self._present() if g.status.get(m) in statuses]

    # ------------------------------------------------------------------ the end of a run

    def teardown(self) -> None:
        try:
            if self.roster:
                self.settle_and_check()
        finally:
            self._clean_up()

    def settle_and_check(self) -> None:
        """Let open offers lapse and searches retry until nothing is left to happen, then check every visit."""
        deadline = time.monotonic() + SETTLE_DEADLINE
        quiet_since = None
        while True:
            self.quiet()
            open_offers = self.model.open_offers()
            if open_offers:
                quiet_since = None
                wait = min(o.expires_at for o in open_offers) - datetime.now(UTC)
                time.sleep(min(max(wait.total_seconds(), 0.5), 5))
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > self.search_retry + 2:
                break
            else:
                time.sleep(1)
            assert time.monotonic() < deadline, "the system did not settle: " + str(self.model.open_offers())
        problems = self.model.unsettled()
        assert not problems, "not settled:\n  " + "\n  ".join(problems)

    def _clean_up(self) -> None:
        """Leave nothing behind that a later run could meet (its roster is elsewhere, but be tidy)."""
        for v in self._live_visits():
            self.system.cancel(v.id, v.orgnr)
        if self.model.gathering is not None:
            self.system.cancel_gathering(self.model.gathering.id)
        for m in self._present():
            self.system.erase(m)

    # ------------------------------------------------------------------ observing and checking

    @staticmethod
    def _pick(items: list, pick: int):  # noqa: ANN205
        return items[pick % len(items)]

    def _observe(self) -> Observation:
        g = self.model.gathering
        recipients = [n.member(m) for m in self.roster] + [n.school(v) for v in self.model.visits]
        return self.system.observe(
            members=self.roster,
            erased={m for m in self.roster if self.model.members[m].erased},
            visits={v.id: v.orgnr for v in self.model.visits.values()},
            addresses=[self.model.address_of(r) for r in recipients],
            gathering=g.id if g else None,
            registrants=[m for m in sorted(g.ever_registered) if not self.model.members[m].erased] if g else [],
        )

    def _look(self) -> Observation:
        """Observe the system and apply what it did; look again when the look was torn (`TornLook`)."""
        while True:
            obs = self._observe()
            try:
                self._apply(obs)
            except TornLook:
                time.sleep(0.3)
                continue
            return obs

    def _apply(self, obs: Observation) -> None:
        """Accept what the system did on its own, or raise a Violation."""
        model, now = self.model, datetime.now(UTC)
        released_for_no_team: list[Offer] = []
        for offer in list(model.offers.values()):
            member = model.members[offer.member_id]
            if member.erased:
                continue
            seen = obs.offers.get(offer.id)
            if seen is None:
                raise Violation(f"offer {offer.id} to member {offer.member_id} is gone from their offers")
            if seen["status"] == offer.status or seen["status"] in offer.earlier:
                continue  # caught up, or still catching up with a rule
            if offer.status == "offered" and seen["status"] == "expired":
                model.offer_expired(offer, now)
            elif self._released_for_no_team(offer, seen, obs):
                released_for_no_team.append(offer)  # the "no team" mail below says why, or is still on its way
            else:
                raise Violation(f"offer {offer.id} of visit {offer.visit_id} to member {offer.member_id} went from "
                                f"{offer.status} to {seen['status']} with no cause (visit: "
                                f"{obs.visits.get(offer.visit_id, {}).get('status')})")
        ranked = {m: i for i, m in enumerate(self.roster)}
        order = {v: i for i, v in enumerate(model.visits)}
        fresh = sorted((o for o in obs.offers.values() if o["id"] not in model.offers),
                       key=lambda o: (order.get(o["visit_id"], -1), ranked[o["_member"]]))
        for o in fresh:
            member_id = o["_member"]
            if o["status"] not in ("offered", "expired"):
                raise Violation(f"offer {o['id']} to member {member_id} was first seen {o['status']}")
            visit = model.visits.get(o["visit_id"])
            if visit is not None and model.open_seats(visit) <= 0 and self._torn_looks < TORN_LOOKS:
                self._torn_looks += 1  # a new offer for a seat another offer still holds in this look
                raise TornLook(o["id"])
            offer = Offer(o["id"], o["visit_id"], member_id, 0, parse_window(o["window"]),
                          datetime.fromisoformat(o["expires_at"]))
            model.offer_made(offer)
            if o["status"] == "expired":
                model.offer_expired(offer, now)
        for visit_id, count in obs.no_team_mails.items():
            while model.no_team[visit_id] < count:
                model.no_team_found(model.visits[visit_id])
        self._await_no_team_mails(released_for_no_team)
        self._torn_looks = 0

    def _released_for_no_team(self, offer: Offer, seen: dict[str, Any], obs: Observation) -> bool:
        """An accepted seat of a confirmed visit that booking now calls unfulfilled: nobody replaced a member who
        left, and the rest of the team was released."""
        visit = self.model.visits[offer.visit_id]
        return (offer.status == "accepted" and seen["status"] == "released" and visit.confirmed
                and obs.visits.get(offer.visit_id, {}).get("status") == "unfulfilled")

    def _await_no_team_mails(self, released: list[Offer]) -> None:
        """Releases the model has not explained by a "no team" mail yet: look again for a while, then a violation."""
        unexplained = [o for o in released if o.status != "released"]
        if not unexplained:
            self._awaiting_no_team_since = None
            return
        started = self._awaiting_no_team_since = self._awaiting_no_team_since or time.monotonic()
        if time.monotonic() - started < NO_TEAM_MAIL_WAIT:
            raise TornLook(unexplained[0].id)
        self._awaiting_no_team_since = None
        offer = unexplained[0]
        raise Violation(f"offer {offer.id} of visit {offer.visit_id} to member {offer.member_id} was released with "
                        f"the visit unfulfilled, and no \"no team\" mail reached the organisers in "
                        f"{NO_TEAM_MAIL_WAIT:.0f} s")

    def differences(self, obs: Observation) -> list[str]:
        """Where the system differs from the model."""
        model, found = self.model, []
        for v in model.visits.values():
            seen = obs.visits[v.id]
            if seen["status"] != v.status:
                found.append(f"visit {v.id}: booking says {seen['status']}, the model {v.status}")
            elif v.confirmed:
                names = sorted(self._first_name(m) for m in v.team)
                if sorted(m["first_name"] for m in seen["team"]) != names:
                    found.append(f"visit {v.id}: booking's team {seen['team']}, the model's {names}")
                if seen["calendar_sequence"] != v.sequence:
                    found.append(f"visit {v.id}: SEQUENCE {seen['calendar_sequence']}, the model's {v.sequence}")
        for offer in model.offers.values():
            seen_offer = obs.offers.get(offer.id)
            if seen_offer is not None and seen_offer["status"] != offer.status:
                found.append(f"offer {offer.id}: ambassadors says {seen_offer['status']}, the model {offer.status}")
        for recipient, seen in obs.deliveries.items():
            owed = Counter({(t, ch): c for (r, t, ch), c in model.owed.items() if r == recipient and c})
            kind, _, ref = recipient.partition(":")
            if kind == "member" and model.members[ref].erased:
                owed = Counter()
            if +seen != +owed:
                found.append(f"{recipient}: notify holds {self._diff(seen, owed)}")
        if obs.unsent:
            found.append(f"{obs.unsent} deliveries not sent yet")
        for recipient in [n.member(m) for m in self.roster] + [n.school(v) for v in model.visits]:
            found += self._mail_differences(obs, recipient)
        for visit_id in model.visits:
            if obs.no_team_mails[visit_id] != model.no_team[visit_id]:
                found.append(f"visit {visit_id}: {obs.no_team_mails[visit_id]} 'no team' mails to organisers")
        g = model.gathering
        if g is not None:
            for member_id, status in obs.registrations.items():
                want = g.status.get(member_id, "withdrawn")
                if status != want:
                    found.append(f"gathering: member {member_id} is {status}, the model says {want}")
        found += model.overlapping_confirmed()
        return found

    def _mail_differences(self, obs: Observation, recipient: str) -> list[str]:
        model = self.model
        address = model.address_of(recipient)
        mails = obs.mails[address]
        kind, _, ref = recipient.partition(":")
        if kind == "member" and model.members[ref].erased:
            m = model.members[ref]
            low, high = m.mails_at_erasure, m.mails_at_erasure + m.mails_allowed_after_erasure
            return [] if low <= len(mails) <= high else [f"{recipient}: {len(mails)} mails, not {low}..{high}"]
        owed = sum(c for (r, _, ch), c in model.owed.items() if r == recipient and ch == n.EMAIL)
        found = [] if len(mails) == owed else [f"{recipient}: {len(mails)} mails, the model owes {owed}"]
        seen = Counter((c.uid, c.method, c.sequence) for mail in mails for c in self.system.calendars(mail))
        want = Counter({(u, me, s): c for (r, u, me, s), c in model.calendars.items() if r == recipient and c})
        if seen != want:
            found.append(f"{recipient}: calendar objects {self._diff(seen, want)}")
        return found

    @staticmethod
    def _diff(seen: Counter, want: Counter) -> str:
        extra, missing = seen - want, want - seen
        return f"extra {dict(extra)}, missing {dict(missing)}"

    def _summary(self) -> str:
        rank = {m: i for i, m in enumerate(self.roster)}
        visits = [f"{v.status}/{v.team_size}:" + ",".join(f"m{rank[o.member_id]}={o.status}"
                                                          for o in self.model.current(v))
                  for v in self.model.visits.values()]
        return "; ".join(visits)

    def _first_name(self, member_id: str) -> str:
        member = self.model.members[member_id]
        return "(erased)" if member.erased else member.first_name

    def quiet(self) -> None:
        """Wait until the system matches the model and has stopped changing; raise with the differences if not."""
        if VERBOSE:
            print(f"  {sys._getframe(1).f_code.co_name}: {self._summary()}", flush=True)
        deadline = time.monotonic() + STEP_DEADLINE
        last, same = None, 0
        while True:
            obs = self._look()
            problems = self.differences(obs)
            fingerprint = obs.fingerprint()
            same = same + 1 if fingerprint == last else 0
            last = fingerprint
            if not problems and same >= QUIET_POLLS:
                return
            if time.monotonic() > deadline:
                raise AssertionError("the system differs from the model:\n  " + "\n  ".join(problems or ["(busy)"]))
            time.sleep(0.4)
