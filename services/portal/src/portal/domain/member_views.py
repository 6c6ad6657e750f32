"""What a member's pages show, made from the services' answers (plain JSON) and nothing else: pure, no I/O.

Ambassadors' `/v1/me/offers` gives the offers, `/v1/me/visits` the visits with their teams, `/v1/me` the member
(whose municipality gives the distance to a school); notify's `/v1/me/notifications` the inbox. The views below
join them, sort them and say what the member can do next.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from outreach_shared.municipalities import distance_km, load_register

OfferState = Literal["open", "accepted", "declined", "expired", "withdrawn", "released"]


@dataclass(frozen=True)
class TimeLeft:
    """Time left to answer, rounded down to whole minutes."""

    days: int
    hours: int
    minutes: int


@dataclass(frozen=True)
class Teammate:
    """Someone on the visit's team: first name and profession."""

    first_name: str
    profession: str


@dataclass(frozen=True)
class Place:
    """Where the visit is: the school, its address and municipality, and how far it is from the member's."""

    school: str
    address: str
    kommune: str
    distance_km: int | None
    """0 in the member's own municipality; None when either municipality is unknown."""


@dataclass(frozen=True)
class OfferView:
    """An offer as the member sees it."""

    id: str
    visit_id: str
    state: OfferState
    place: Place
    start: datetime
    end: datetime
    expires_at: datetime
    time_left: TimeLeft | None
    team: tuple[Teammate, ...]
    kind: str
    pupils: int
    audience: str


@dataclass(frozen=True)
class VisitView:
    """A visit the member holds a seat on (or is offered), with what they can do about it now."""

    visit_id: str
    offer_id: str
    status: str
    seat: str
    place: Place
    start: datetime
    end: datetime
    team: tuple[Teammate, ...]
    kind: str
    pupils: int
    audience: str
    can_withdraw: bool
    can_report: bool


@dataclass(frozen=True)
class InboxItem:
    """A notice in the member's inbox."""

    id: str
    title: str
    body: str
    created_at: datetime
    unread: bool


def moment(value: str) -> datetime:
    """An ISO 8601 instant from a service's JSON."""
    return datetime.fromisoformat(value)


def time_left(now: datetime, deadline: datetime) -> TimeLeft | None:
    """How long until `deadline`; None once it has passed."""
    seconds = int((deadline - now).total_seconds())
    if seconds <= 0:
        return None
    minutes = seconds // 60
    return TimeLeft(minutes // (24 * 60), minutes // 60 % 24, minutes % 60)


def place(school: str, address: str, kommunenummer: str, home: str | None) -> Place:
    """The visit's place, with the distance between the centroids of the member's municipality and the school's."""
    register = load_register().by_number
    there, here = register.get(kommunenummer), register.get(home or "")
    distance = None if there is None or here is None else round(distance_km(here, there))
    return Place(school, address, there.name if there else kommunenummer, distance)


def teams(visits: dict[str, Any], *, me: Teammate | None = None) -> dict[str, tuple[Teammate, ...]]:
    """Who else has a seat on each of the member's visits (by visit id): the team less the member."""
    found: dict[str, tuple[Teammate, ...]] = {}
    for visit in [*visits.get("upcoming", []), *visits.get("past", [])]:
        team = [Teammate(t["first_name"], t["profession"]) for t in visit.get("team", [])]
        if me is not None and visit["seat"]["status"] == "accepted" and me in team:
            team.remove(me)
        found[visit["visit_id"]] = tuple(team)
    return found


def myself(member: dict[str, Any]) -> Teammate:
    """The member as their teammates see them."""
    return Teammate((member.get("name") or "").split(" ")[0], member.get("profession") or "")


def offer_state(offer: dict[str, Any], now: datetime) -> OfferState:
    """Where the offer stands for the member: `open` while it can still be answered."""
    status = offer["status"]
    if status == "offered":
        return "open" if moment(offer["expires_at"]) > now else "expired"
    return cast(OfferState, status)


def offer_view(offer: dict[str, Any], *, now: datetime, home: str | None,
               team: tuple[Teammate, ...] = ()) -> OfferView:  # fmt: skip
    """One offer from ambassadors' `/v1/me/offers`."""
    expires = moment(offer["expires_at"])
    return OfferView(
        id=offer["id"], visit_id=offer["visit_id"], state=offer_state(offer, now),
        place=place(offer["school_name"], offer["school_address"], offer["kommunenummer"], home),
        start=moment(offer["window"]["start"]), end=moment(offer["window"]["end"]), expires_at=expires,
        time_left=time_left(now, expires), team=team, kind=offer["kind"], pupils=offer["pupils"],
        audience=offer["audience_description"],
    )  # fmt: skip


def open_offers(offers: list[dict[str, Any]], *, now: datetime, home: str | None,
                teams: dict[str, tuple[Teammate, ...]]) -> list[OfferView]:  # fmt: skip
    """The offers the member can still answer, the one whose time runs out first at the top."""
    views = [offer_view(o, now=now, home=home, team=teams.get(o["visit_id"], ())) for o in offers]
    return sorted((v for v in views if v.state == "open"), key=lambda v: (v.expires_at, v.start))


def visit_view(visit: dict[str, Any], *, now: datetime, home: str | None,
               team: tuple[Teammate, ...]) -> VisitView:  # fmt: skip
    """One visit from ambassadors' `/v1/me/visits`: it can be withdrawn from before it starts (an accepted seat),
    and reported once it has started (as ambassadors expects it)."""
    school, seat = visit["school"], visit["seat"]
    start = moment(visit["window"]["start"])
    expected = {e["action"] for e in visit.get("expected", [])}
    return VisitView(
        visit_id=visit["visit_id"], offer_id=seat["offer_id"], status=visit["status"], seat=seat["status"],
        place=place(school["name"], school["address"], school["kommunenummer"], home),
        start=start, end=moment(visit["window"]["end"]), team=team, kind=visit["kind"], pupils=visit["pupils"],
        audience=visit["audience_description"], can_withdraw=seat["status"] == "accepted" and now < start,
        can_report="report" in expected,
    )  # fmt: skip


def my_visits(visits: dict[str, Any], *, now: datetime, home: str | None,
              me: Teammate | None) -> tuple[list[VisitView], list[VisitView]]:  # fmt: skip
    """The visits the member has said yes to: upcoming (soonest first) and past (latest first). Visits only
    offered are the offers' to show."""
    others = teams(visits, me=me)

    def views(key: str) -> list[VisitView]:
        return [visit_view(v, now=now, home=home, team=others.get(v["visit_id"], ()))
                for v in visits.get(key, []) if v["seat"]["status"] == "accepted"]  # fmt: skip

    return (sorted(views("upcoming"), key=lambda v: v.start),
            sorted(views("past"), key=lambda v: v.start, reverse=True))  # fmt: skip


def find_visit(visits: dict[str, Any], visit_id: str) -> dict[str, Any] | None:
    """The member's visit with this id, upcoming or past."""
    return next((v for v in [*visits.get("upcoming", []), *visits.get("past", [])] if v["visit_id"] == visit_id), None)


INBOX_SHOWN = 10
"""The home page shows the newest messages only (each is a whole mail's text; the page stays light)."""


def inbox(page: dict[str, Any], *, shown: int = INBOX_SHOWN) -> tuple[list[InboxItem], int, int]:
    """Notify's inbox page: its newest `shown` items (newest first, as notify sorts them), the unread count and how
    many there are in all."""
    items = [InboxItem(str(i["id"]), i["title"], i["body"], moment(i["created_at"]), i.get("read_at") is None)
             for i in page.get("items", [])[:shown]]  # fmt: skip
    return items, int(page.get("unread", 0)), len(page.get("items", []))
