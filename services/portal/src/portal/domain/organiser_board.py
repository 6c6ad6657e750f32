"""The organisers' board and a visit's page as views: the attention list (visits' and gatherings' items merged,
soonest first, each with its one action), the periods the counts cover, and a visit's offers and history."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

ATTENTION_LIMIT = 50
"""Items of each kind the board asks ambassadors for (the board shows what needs a person first, not everything)."""

REMATCHABLE = frozenset({"unfulfilled", "team_short"})
"""Kinds whose visit has an open seat: a new search is the direct action on the board."""


@dataclass(frozen=True)
class AttentionRow:
    """One thing on the board: what kind, where, when, why, and where its action is."""

    kind: str
    id: str
    visit_id: str | None
    kommune: str
    when: datetime
    why: str
    href: str
    rematch: bool

    @property
    def key(self) -> str:
        """An id for the row's heading (the row's action links name it)."""
        return f"{self.kind}-{self.id}"


def attention_rows(visits: Iterable[Mapping[str, Any]], gatherings: Iterable[Mapping[str, Any]]) -> list[AttentionRow]:
    """Both services' items as rows, soonest first (then by kind and id, so the order is stable)."""
    rows = [_row(item) for item in [*visits, *gatherings]]
    return sorted(rows, key=lambda r: (r.when, r.kind, r.id))


def _row(item: Mapping[str, Any]) -> AttentionRow:
    kind, visit_id = str(item["kind"]), item.get("visit_id")
    if item.get("resource") == "gathering":
        href = f"/organiser/gatherings/{item['id']}"
    else:
        href = f"/organiser/visits/{visit_id or item['id']}"
    when = item["when"]
    moment = datetime.fromisoformat(when) if isinstance(when, str) else when
    return AttentionRow(kind=kind, id=str(item["id"]), visit_id=visit_id, kommune=str(item.get("kommune") or ""),
                        when=moment, why=str(item.get("why") or ""), href=href,
                        rematch=kind in REMATCHABLE and visit_id is not None)  # fmt: skip


def this_week(today: date) -> tuple[date, date]:
    """Monday to Sunday of the week `today` is in."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def school_year(today: date) -> str:
    """The school year (1 August – 31 July) `today` falls in, labelled like "2026/27"."""
    first = today.year if today.month >= 8 else today.year - 1
    return f"{first}/{(first + 1) % 100:02d}"


def counts(stats: Mapping[str, Any]) -> dict[str, int]:
    """The figures the board shows from booking's `GET /v1/stats` totals."""
    total = stats.get("total") or {}
    return {k: int(total.get(k) or 0) for k in ("requested", "confirmed", "unfulfilled", "completed", "pupils_reached")}


@dataclass(frozen=True)
class OfferRow:
    """An offer of the visit as the visit's page shows it."""

    member_id: str
    name: str
    round: int
    status: str
    window_start: datetime
    expires_at: datetime
    override: bool
    reason: str
    answer_reason: str | None


def offer_rows(offers: Mapping[str, Any] | None) -> list[OfferRow]:
    """The visit's offers, latest round first, oldest first within a round."""
    if not offers:
        return []
    rows = [
        OfferRow(
            member_id=str(o["member_id"]),
            name=str(o.get("name") or ""),
            round=int(o["round"]),
            status=str(o["status"]),
            window_start=_moment(o["window"]["start"]),
            expires_at=_moment(o["expires_at"]),
            override=bool(o.get("override")),
            reason=str(o.get("reason") or ""),
            answer_reason=o.get("answer_reason"),
        )  # fmt: skip
        for o in offers.get("offers") or []
    ]
    return sorted(rows, key=lambda r: -r.round)


def _moment(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def history(visit: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The visit's status changes, latest first."""
    changes = [{**h, "at": _moment(h["at"])} for h in visit.get("history") or []]
    return list(reversed(changes))


def offerable(candidates: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """Everyone an organiser may offer a seat to by name: the ranked candidates first, then those ruled out (an
    override may take them anyway)."""
    if not candidates:
        return []
    ranked = [{"member_id": c["member_id"], "name": c["name"], "ranked": "yes"} for c in candidates["candidates"]]
    others = [{"member_id": e["member_id"], "name": e["name"], "ranked": ""} for e in candidates["excluded"]]
    return ranked + others


def can_complete(visit: Mapping[str, Any], now: datetime) -> bool:
    """Booking marks completed a confirmed visit whose window has started."""
    scheduled = visit.get("scheduled")
    return visit.get("status") == "confirmed" and scheduled is not None and _moment(scheduled["start"]) <= now


def can_staff(visit: Mapping[str, Any]) -> bool:
    """Whether an offer or a new search may help (a visit not cancelled, completed or over)."""
    return visit.get("status") in ("requested", "offered", "confirmed", "unfulfilled")


def window(value: Mapping[str, Any] | None) -> dict[str, datetime] | None:
    """A time window from JSON, its ends as datetimes."""
    if not value:
        return None
    return {"start": _moment(value["start"]), "end": _moment(value["end"])}
