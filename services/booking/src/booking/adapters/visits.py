"""The visit repository: plain SQL on the booking schema, returning Visit aggregates."""

from datetime import datetime
from typing import Any

import asyncpg

from booking.domain.model import Visit
from booking.domain.values import Cancellation, Rating, Report, School, StatusChange, VisitDetails
from outreach_shared.contracts.common import TeamMember, TimeWindow
from outreach_shared.db import named

_COLUMNS = (
    "id, orgnr, school_name, school_address, kommunenummer, kind, audience_description, pupils, "
    "professions, language, team_size, notes, windows, status, scheduled_start, scheduled_end, "
    "calendar_sequence, calendar_start, calendar_end, ever_confirmed, cancellation, unfulfilled_reason, report, "
    "rating, created_at"
)

_UPDATE = """
UPDATE visits SET windows = :windows, status = :status, visit_date = :visit_date, scheduled_start = :scheduled_start,
    scheduled_end = :scheduled_end, calendar_sequence = :calendar_sequence, ever_confirmed = :ever_confirmed,
    cancellation = :cancellation, unfulfilled_reason = :unfulfilled_reason, report = :report,
    pupils_reached = :pupils_reached, rating = :rating, calendar_start = :calendar_start,
    calendar_end = :calendar_end, updated_at = now()
WHERE id = :id
"""


TEAM_COLUMNS = "t.member_id, coalesce(n.first_name, t.first_name) AS first_name, t.profession"
"""A stored team member, with the first name booking keeps from the members topic (or, for teams stored before
events stopped carrying names, the one stored with the team)."""

class VisitRepository:
    """Loads and saves visits, their team and status history."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def get(self, visit_id: str, *, for_update: bool = False) -> Visit | None:
        """The visit, or None; `for_update` locks its row until the transaction ends."""
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(*named(f"SELECT {_COLUMNS} FROM visits WHERE id = :id{lock}", id=visit_id))
        if row is None:
            return None
        team = await self._conn.fetch(*named(
            f"SELECT {TEAM_COLUMNS} FROM visit_team_members t LEFT JOIN member_names n USING (member_id) "
            "WHERE visit_id = :id ORDER BY position",
            id=visit_id,
        ))  # fmt: skip
        history = await self._conn.fetch(*named(
            "SELECT status, at, note FROM visit_status_history WHERE visit_id = :id ORDER BY id", id=visit_id
        ))  # fmt: skip
        return _to_visit(row, team, history)

    async def update(self, visit: Visit) -> None:
        """Write the visit's changed state, team and new history entries."""
        sched, slot, report = visit.scheduled, visit.calendar_slot, visit.report
        await self._conn.execute(*named(
            _UPDATE,
            id=visit.id, windows=_windows_json(visit.windows), status=visit.status, visit_date=visit.visit_date,
            scheduled_start=sched.start if sched else None, scheduled_end=sched.end if sched else None,
            calendar_sequence=visit.calendar_sequence, ever_confirmed=visit.ever_confirmed,
            cancellation=_cancellation_json(visit.cancellation), unfulfilled_reason=visit.unfulfilled_reason,
            report=_report_json(report), pupils_reached=report.pupils_reached if report else None,
            rating=_rating_json(visit.rating), calendar_start=slot.start if slot else None,
            calendar_end=slot.end if slot else None,
        ))  # fmt: skip
        await self._conn.execute(*named("DELETE FROM visit_team_members WHERE visit_id = :id", id=visit.id))
        await self._save_children(visit)

    async def _save_children(self, visit: Visit) -> None:
        await self._conn.executemany(
            "INSERT INTO visit_team_members (visit_id, position, member_id, first_name, profession) "
            "VALUES ($1, $2, $3, $4, $5)",
            [(visit.id, i, m.member_id, m.first_name, m.profession) for i, m in enumerate(visit.team)],
        )
        await self._conn.executemany(
            "INSERT INTO visit_status_history (visit_id, status, at, note) VALUES ($1, $2, $3, $4)",
            [(visit.id, h.status, h.at, h.note) for h in visit.history[visit.persisted_history :]],
        )
        visit.persisted_history = len(visit.history)

    async def keep_first_name(self, member_id: str, first_name: str) -> None:
        """Remember (or change) a member's first name from the members topic."""
        await self._conn.execute(*named(
            "INSERT INTO member_names (member_id, first_name) VALUES (:member_id, :first_name) "
            "ON CONFLICT (member_id) DO UPDATE SET first_name = EXCLUDED.first_name",
            member_id=member_id, first_name=first_name,
        ))  # fmt: skip

    async def erase_member_first_name(self, member_id: str, placeholder: str) -> int:
        """Forget an erased member's first name, and replace it in every stored team; returns how many seats."""
        await self._conn.execute(*named("DELETE FROM member_names WHERE member_id = :member_id", member_id=member_id))
        result = await self._conn.execute(*named(
            "UPDATE visit_team_members SET first_name = :placeholder WHERE member_id = :member_id",
            member_id=member_id, placeholder=placeholder,
        ))  # fmt: skip
        return int(result.split()[-1])


def _windows_json(windows: list[TimeWindow]) -> list[dict[str, Any]]:
    return [w.model_dump(mode="json") for w in windows]


def _cancellation_json(c: Cancellation | None) -> dict[str, Any] | None:
    return None if c is None else {"reason": c.reason, "by": c.by, "at": c.at.isoformat(), "late": c.late}


def _report_json(r: Report | None) -> dict[str, Any] | None:
    return None if r is None else {"member_id": r.member_id, "pupils_reached": r.pupils_reached, "notes": r.notes,
                  "at": r.at.isoformat(), "by": r.by}  # fmt: skip


def _rating_json(r: Rating | None) -> dict[str, Any] | None:
    return None if r is None else {"score": r.score, "comment": r.comment, "at": r.at.isoformat()}


def _to_visit(row: asyncpg.Record, team: list[asyncpg.Record], history: list[asyncpg.Record]) -> Visit:
    c, r, g = row["cancellation"], row["report"], row["rating"]
    scheduled = _window(row["scheduled_start"], row["scheduled_end"])
    return Visit(
        id=row["id"],
        school=School(row["orgnr"], row["school_name"], row["kommunenummer"], row["school_address"]),
        details=VisitDetails(
            kind=row["kind"],
            audience_description=row["audience_description"],
            pupils=row["pupils"],
            professions=tuple(row["professions"]),
            language=row["language"],
            team_size=row["team_size"],
            notes=row["notes"],
        ),
        windows=[TimeWindow.model_validate(w) for w in row["windows"]],
        status=row["status"],
        created_at=row["created_at"],
        history=[StatusChange(h["status"], h["at"], h["note"]) for h in history],
        scheduled=scheduled,
        team=[TeamMember(**dict(m.items())) for m in team],
        calendar_sequence=row["calendar_sequence"],
        calendar_slot=_window(row["calendar_start"], row["calendar_end"]),
        ever_confirmed=row["ever_confirmed"],
        cancellation=c and Cancellation(c["reason"], c["by"], _dt(c["at"]), c["late"]),
        unfulfilled_reason=row["unfulfilled_reason"],
        report=r and Report(r["member_id"], r["pupils_reached"], r["notes"], _dt(r["at"]), r.get("by", "member")),
        rating=g and Rating(g["score"], g["comment"], _dt(g["at"])),
        persisted_history=len(history),
    )


def _window(start: datetime | None, end: datetime | None) -> TimeWindow | None:
    return TimeWindow(start=start, end=end) if start and end else None


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)
