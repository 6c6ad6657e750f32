"""The reference model: members, visits, offers and a gathering as they should be, and the notices owed.

Pure: no I/O. The state machine tells it what it did (the rules) and what the system did on its own (offers made,
offers expiring, no team found), which it accepts only when legal; it then says what must be observable.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import expected_notices as n
from expected_notices import EMAIL, Calendar, Notice

Window = tuple[datetime, datetime]
TRAVEL_BUFFER = timedelta(minutes=60)
HOLDING = ("offered", "accepted")


class Violation(AssertionError):
    """The system did something the model says it must not."""


def too_close(a: Window, b: Window) -> bool:
    """Two windows closer than the travel buffer (the ambassadors' rule for one member's seats)."""
    return a[0] < b[1] + TRAVEL_BUFFER and b[0] < a[1] + TRAVEL_BUFFER


@dataclass
class Member:
    id: str
    email: str
    first_name: str
    active: bool = True
    erased: bool = False
    mails_at_erasure: int = 0
    mails_allowed_after_erasure: int = 0


@dataclass
class Offer:
    id: str
    visit_id: str
    member_id: str
    round: int
    window: Window
    expires_at: datetime
    status: str = "offered"
    earlier: list[str] = field(default_factory=list)
    """Statuses the rules moved it from: the system may still show one of them until it has caught up."""

    def move(self, status: str) -> None:
        """A rule's change (the system follows asynchronously)."""
        self.earlier.append(self.status)
        self.status = status


@dataclass
class Visit:
    id: str
    orgnr: str
    contact_email: str
    windows: list[Window]
    team_size: int
    round: int = 1
    cancelled: bool = False
    confirmed: bool = False
    """Booking holds the visit as confirmed (from the first full team until a reschedule or cancel)."""
    scheduled: bool = False
    team: list[str] = field(default_factory=list)
    sequence: int = 0
    offered: bool = False
    unfulfilled: bool = False
    left: int = 0
    """Accepted seats of the confirmed team whose members left (deactivated, erased) and are not refilled yet."""

    @property
    def status(self) -> str:
        """The status booking must show."""
        if self.cancelled:
            return "cancelled"
        if self.confirmed:
            return "confirmed"
        if self.unfulfilled:
            return "unfulfilled"
        return "offered" if self.offered else "requested"


@dataclass
class Gathering:
    id: str
    capacity: int
    invited: set[str] = field(default_factory=set)
    status: dict[str, str] = field(default_factory=dict)
    """Each registered member's status: confirmed, waitlisted or offered."""
    waiting: list[str] = field(default_factory=list)
    ever_registered: set[str] = field(default_factory=set)


class Model:
    """What the system should hold and what it should have sent."""

    def __init__(self, organisers: list[str]) -> None:
        self.organisers = organisers
        self.members: dict[str, Member] = {}
        self.visits: dict[str, Visit] = {}
        self.offers: dict[str, Offer] = {}
        self.gathering: Gathering | None = None
        self.owed: Counter = Counter()
        """(recipient, notice type, channel) → how many deliveries notify must hold."""
        self.calendars: Counter = Counter()
        """(recipient, UID, METHOD, SEQUENCE) → how many mails must carry that calendar object."""
        self.holdings: dict[tuple[str, str], Calendar] = {}
        """(recipient, UID) → the last calendar object sent to the recipient for that event (a later one with a lower
        SEQUENCE does not replace it: notify's calendar holdings)."""
        self.no_team: Counter = Counter()

    # ------------------------------------------------------------------ bookkeeping

    def _owe(self, notices: list[Notice]) -> None:
        for notice in notices:
            for channel in notice.channels:
                self.owed[(notice.recipient, notice.notice_type, channel)] += 1
            if notice.calendar is not None and EMAIL in notice.channels:
                c = notice.calendar
                self.calendars[(notice.recipient, c.uid, c.method, c.sequence)] += 1
                held = self.holdings.get((notice.recipient, c.uid))
                if held is None or held.sequence <= c.sequence:
                    self.holdings[(notice.recipient, c.uid)] = c

    def held(self, recipient: str, uid: str) -> Calendar | None:
        """What a recipient holds of an event's calendar (None: never sent one)."""
        return self.holdings.get((recipient, uid))

    def address_of(self, recipient: str) -> str:
        """The e-mail address of a recipient key."""
        kind, _, ref = recipient.partition(":")
        return self.members[ref].email if kind == "member" else self.visits[ref].contact_email

    def open_offers(self) -> list[Offer]:
        """Offers waiting for an answer, in a stable order (visit, member)."""
        order = {v: i for i, v in enumerate(self.visits)}
        ranked = {m: i for i, m in enumerate(sorted(self.members))}
        return sorted((o for o in self.offers.values() if o.status == "offered"),
                      key=lambda o: (order[o.visit_id], ranked[o.member_id]))

    def current(self, visit: Visit) -> list[Offer]:
        """The visit's offers in its current round."""
        return [o for o in self.offers.values() if o.visit_id == visit.id and o.round == visit.round]

    def accepted(self, visit: Visit) -> list[str]:
        """Members who accepted the visit in its current round."""
        return [o.member_id for o in self.current(visit) if o.status == "accepted"]

    def held_seats(self, member_id: str) -> list[Offer]:
        """The member's offers that hold a seat."""
        return [o for o in self.offers.values() if o.member_id == member_id and o.status in HOLDING]

    def is_free(self, member_id: str, window: Window, *, besides: str) -> bool:
        """Whether the member could be offered `window` (no other seat too close to it)."""
        return not any(too_close(o.window, window) for o in self.held_seats(member_id) if o.visit_id != besides)

    def candidates(self, visit: Visit) -> dict[Window, list[str]]:
        """Per window, who could be offered one of the visit's open seats now."""
        asked = {o.member_id for o in self.current(visit)}
        usable = [m for m in self.members.values() if m.active and not m.erased and m.id not in asked]
        return {w: [m.id for m in usable if self.is_free(m.id, w, besides=visit.id)] for w in visit.windows}

    def open_seats(self, visit: Visit) -> int:
        """Seats nobody holds in the visit's current round."""
        return visit.team_size - sum(o.status in HOLDING for o in self.current(visit))

    # ------------------------------------------------------------------ what the rules do

    def add_member(self, member_id: str, email: str, first_name: str) -> None:
        self.members[member_id] = Member(member_id, email, first_name)

    def booked(self, visit: Visit) -> None:
        self.visits[visit.id] = visit
        self._owe(n.visit_requested(visit.id))

    def offer_answered(self, offer: Offer, status: str) -> None:
        """A member accepted or declined; a full team confirms the visit (again, with a new SEQUENCE)."""
        offer.move(status)
        if status != "accepted":
            self._owe(n.offer_declined(offer.member_id))
            return
        visit = self.visits[offer.visit_id]
        team = self.accepted(visit)
        if len(team) == visit.team_size:
            visit.confirmed = visit.scheduled = True
            visit.team, visit.left = team, 0
            visit.sequence += 1
            uid = n.visit_uid(visit.id)
            held = {r: c for r in [n.school(visit.id), *map(n.member, team)] if (c := self.held(r, uid)) is not None}
            self._owe(n.visit_confirmed(visit.id, team, visit.sequence, held))

    def _close_seat(self, offer: Offer) -> None:
        if offer.status == "offered":
            offer.move("withdrawn")
            self._owe(n.offer_withdrawn(offer.member_id))
        elif offer.status == "accepted":
            offer.move("released")
            visit = self.visits[offer.visit_id]
            held = self.held(n.member(offer.member_id), n.visit_uid(visit.id))
            self._owe(n.member_released(offer.member_id, visit.id, held=held, sequence=visit.sequence))

    def cancelled(self, visit: Visit) -> None:
        if visit.scheduled:
            visit.sequence += 1
        visit.cancelled = True
        for offer in self.current(visit):
            self._close_seat(offer)
        school_held = self.held(n.school(visit.id), n.visit_uid(visit.id))
        self._owe(n.visit_cancelled(visit.id, sequence=visit.sequence, school_held=school_held))

    def rescheduled(self, visit: Visit, windows: list[Window]) -> None:
        if visit.scheduled:
            visit.sequence += 1
        for offer in self.current(visit):
            self._close_seat(offer)
        visit.windows, visit.round = windows, visit.round + 1
        visit.confirmed = visit.scheduled = visit.offered = visit.unfulfilled = False
        visit.team = []
        school_held = self.held(n.school(visit.id), n.visit_uid(visit.id))
        self._owe(n.visit_rescheduled(visit.id, sequence=visit.sequence, school_held=school_held))

    def member_leaves(self, member: Member, *, erased: bool, mails_now: int) -> None:
        """Deactivated or erased: their seats close (the visits stay confirmed while seats are staffed again)."""
        owed_before = sum(c for (r, _, ch), c in self.owed.items() if r == n.member(member.id) and ch == EMAIL)
        for offer in self.held_seats(member.id):
            visit = self.visits[offer.visit_id]
            if offer.status == "accepted" and visit.confirmed:
                visit.left += 1
                visit.team = [m for m in visit.team if m != member.id]  # booking takes them off its team
            self._close_seat(offer)
        member.active = False
        if erased:
            member.erased = True
            member.mails_at_erasure = mails_now
            owed_after = sum(c for (r, _, ch), c in self.owed.items() if r == n.member(member.id) and ch == EMAIL)
            member.mails_allowed_after_erasure = owed_after - owed_before
            self.holdings = {k: c for k, c in self.holdings.items() if k[0] != n.member(member.id)}
            g = self.gathering
            if g is not None and member.id in g.status:
                self._leave_gathering(g, member.id)

    # ------------------------------------------------------------------ gatherings

    def gathering_published(self, gathering_id: str, capacity: int) -> None:
        g = self.gathering = Gathering(gathering_id, capacity)
        for m in self.members.values():
            if m.active and not m.erased:
                g.invited.add(m.id)
                self._owe(n.gathering_invitation(m.id))

    def registered(self, member_id: str) -> str:
        """Register: a place while one is free and nobody waits, else the waiting list. Returns the status."""
        g = self.gathering
        assert g is not None
        g.ever_registered.add(member_id)
        taken = sum(s in ("confirmed", "offered") for s in g.status.values())
        if taken < g.capacity and not g.waiting:
            g.status[member_id] = "confirmed"
            self._owe(n.registration_confirmed(member_id, g.id, self.held(n.member(member_id), n.gathering_uid(g.id))))
        else:
            g.status[member_id] = "waitlisted"
            g.waiting.append(member_id)
            self._owe(n.registration_waitlisted(member_id))
        return g.status[member_id]

    def _leave_gathering(self, g: Gathering, member_id: str) -> None:
        g.status.pop(member_id)
        if member_id in g.waiting:
            g.waiting.remove(member_id)
        taken = sum(s in ("confirmed", "offered") for s in g.status.values())
        while taken < g.capacity and g.waiting:
            first = g.waiting.pop(0)
            g.status[first] = "offered"
            taken += 1
            self._owe(n.place_offered(first))

    def withdrew(self, member_id: str) -> None:
        g = self.gathering
        assert g is not None
        self._owe(n.registration_withdrawn(member_id, g.id, self.held(n.member(member_id), n.gathering_uid(g.id))))
        self._leave_gathering(g, member_id)

    def place_taken(self, member_id: str) -> None:
        g = self.gathering
        assert g is not None
        g.status[member_id] = "confirmed"
        self._owe(n.registration_confirmed(member_id, g.id, self.held(n.member(member_id), n.gathering_uid(g.id))))

    # ------------------------------------------------------------------ what the system did on its own

    def offer_expired(self, offer: Offer, now: datetime) -> None:
        if now < offer.expires_at - timedelta(seconds=1):
            raise Violation(f"offer {offer.id} to member {offer.member_id} expired before its deadline "
                            f"{offer.expires_at.isoformat()}")
        offer.status = "expired"
        self._owe(n.offer_expired(offer.member_id))

    def offer_made(self, offer: Offer) -> None:
        """A new offer: legal only to a usable, free member for an open seat in one of the visit's windows."""
        visit = self.visits.get(offer.visit_id)
        member = self.members[offer.member_id]
        where = f"offer {offer.id} of visit {offer.visit_id} to member {offer.member_id}"
        if visit is None or visit.cancelled:
            raise Violation(f"{where}: the visit is unknown or cancelled")
        if not member.active or member.erased:
            raise Violation(f"{where}: the member is no longer active")
        if offer.window not in visit.windows:
            raise Violation(f"{where}: window {offer.window} is not one of the visit's windows {visit.windows}")
        if any(o.member_id == member.id for o in self.current(visit)):
            raise Violation(f"{where}: the member was already asked in this round")
        if not self.is_free(member.id, offer.window, besides=visit.id):
            raise Violation(f"{where}: the member holds another seat too close to {offer.window}")
        if self.open_seats(visit) <= 0:
            raise Violation(f"{where}: the visit has no open seat")
        offer.round = visit.round
        self.offers[offer.id] = offer
        visit.offered, visit.unfulfilled = True, False
        self._owe(n.offer_made(member.id))

    def no_team_found(self, visit: Visit) -> None:
        """Ambassadors found nobody: organisers hear; booking marks a visit not yet confirmed unfulfilled, and a
        confirmed one that lost a member nobody replaced too: its calendar entry withdrawn (SEQUENCE raised), open
        offers withdrawn and the rest of the team released, each with their CANCEL."""
        self.no_team[visit.id] += 1
        self._owe(n.no_team(visit.id, self.organisers))
        if visit.cancelled or visit.unfulfilled:
            return
        if not visit.confirmed:
            visit.unfulfilled = True
            self._owe(n.visit_unfulfilled(visit.id))
            return
        if len(self.accepted(visit)) >= visit.team_size:
            return  # booking refuses "no team" for a complete team
        visit.sequence += 1
        visit.confirmed = visit.scheduled = visit.offered = False
        visit.unfulfilled, visit.team, visit.left = True, [], 0
        for offer in self.current(visit):
            self._close_seat(offer)
        school_held = self.held(n.school(visit.id), n.visit_uid(visit.id))
        self._owe(n.visit_unfulfilled(visit.id, sequence=visit.sequence, school_held=school_held))

    # ------------------------------------------------------------------ invariants

    def overlapping_confirmed(self) -> list[str]:
        """Members holding two confirmed visits too close together."""
        found = []
        for member_id in self.members:
            seats = [o for o in self.offers.values() if o.member_id == member_id and o.status == "accepted"
                     and self.visits[o.visit_id].confirmed]
            found += [f"member {member_id}: visits {a.visit_id} and {b.visit_id}"
                      for i, a in enumerate(seats) for b in seats[i + 1:] if too_close(a.window, b.window)]
        return found

    def unsettled(self) -> list[str]:
        """Visits that are not confirmed with a full accepted team, unfulfilled or cancelled."""
        problems = []
        for v in self.visits.values():
            if v.cancelled or (v.unfulfilled and not v.confirmed):
                continue
            team = self.accepted(v)
            if not v.confirmed:
                problems.append(f"visit {v.id} is {v.status}, not settled (accepted: {len(team)}/{v.team_size})")
            elif len(team) != v.team_size:
                problems.append(f"visit {v.id} is confirmed with {len(team)} of {v.team_size} accepted members "
                                f"(booking's team: {v.team})")
        return problems
