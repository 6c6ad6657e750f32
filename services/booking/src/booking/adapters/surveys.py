"""The survey repository: visits' survey codes and pupils' anonymous answers, and their counts for the figures."""

from datetime import datetime

import asyncpg

from booking.adapters.queries import where_clause
from booking.domain.listing import VisitFilter
from booking.domain.survey import Answer, SurveyRow, Tally
from outreach_shared.db import named
from outreach_shared.municipalities import load_register

_COUNTS = (
    "count(*) AS answers, "
    "count(*) FILTER (WHERE a.imagine = 'yes') AS imagine_yes, count(*) FILTER (WHERE a.imagine = 'maybe') "
    "AS imagine_maybe, count(*) FILTER (WHERE a.imagine = 'no') AS imagine_no, "
    "count(*) FILTER (WHERE a.learned = 'yes') AS learned_yes, count(*) FILTER (WHERE a.learned = 'no') AS learned_no, "
    "count(*) FILTER (WHERE a.good = 'yes') AS good_yes, count(*) FILTER (WHERE a.good = 'ok') AS good_ok, "
    "count(*) FILTER (WHERE a.good = 'no') AS good_no"
)


class SurveyRepository:
    """Survey codes by visit and the answers given to them."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def code_of(self, visit_id: str) -> str | None:
        """The visit's survey code, if it has one yet."""
        return await self._conn.fetchval(*named("SELECT code FROM visit_surveys WHERE visit_id = :id", id=visit_id))

    async def add(self, visit_id: str, code: str, *, at: datetime) -> None:
        """Give the visit its code, unless it has one (or the code is taken: the caller reads back and retries)."""
        await self._conn.execute(*named(
            "INSERT INTO visit_surveys (visit_id, code, created_at) VALUES (:id, :code, :at) ON CONFLICT DO NOTHING",
            id=visit_id, code=code, at=at,
        ))  # fmt: skip

    async def visit_of(self, code: str, *, for_update: bool = False) -> str | None:
        """The visit whose survey has the code; `for_update` holds its answers in line until the transaction ends."""
        lock = " FOR UPDATE" if for_update else ""
        return await self._conn.fetchval(*named(f"SELECT visit_id FROM visit_surveys WHERE code = :code{lock}",
                                                code=code))  # fmt: skip

    async def count(self, visit_id: str) -> int:
        """How many answers the visit's survey has."""
        sql = "SELECT count(*) FROM survey_answers WHERE visit_id = :id"
        return int(await self._conn.fetchval(*named(sql, id=visit_id)))

    async def answered(self, visit_id: str, cookie_hash: str) -> bool:
        """Whether the browser holding the cookie with this hash answered the visit's survey."""
        sql = "SELECT EXISTS (SELECT 1 FROM survey_answers WHERE visit_id = :id AND cookie_hash = :hash)"
        return bool(await self._conn.fetchval(*named(sql, id=visit_id, hash=cookie_hash)))

    async def add_answer(self, visit_id: str, answer: Answer, *, cookie_hash: str) -> None:
        """Store one pupil's answers with the hash of their cookie."""
        await self._conn.execute(*named(
            "INSERT INTO survey_answers (visit_id, imagine, learned, good, cookie_hash) "
            "VALUES (:id, :imagine, :learned, :good, :hash)",
            id=visit_id, imagine=answer.imagine, learned=answer.learned, good=answer.good, hash=cookie_hash,
        ))  # fmt: skip

    async def tally(self, visit_id: str) -> Tally:
        """The visit's answers, counted."""
        row = await self._conn.fetchrow(*named(f"SELECT {_COUNTS} FROM survey_answers a WHERE a.visit_id = :id",
                                               id=visit_id))  # fmt: skip
        return _tally(row)

    async def rows(self, f: VisitFilter) -> list[SurveyRow]:
        """The answers of every matching visit that has any, counted per visit, for the impact figures."""
        where, values = where_clause(f)
        rows = await self._conn.fetch(*named(
            f"SELECT v.kommunenummer, v.county_number, v.visit_date, {_COUNTS} FROM survey_answers a "
            f"JOIN (SELECT id, kommunenummer, county_number, visit_date FROM visits{where}) v ON v.id = a.visit_id "
            "GROUP BY v.id, v.kommunenummer, v.county_number, v.visit_date",
            **values,
        ))  # fmt: skip
        register = load_register().by_number
        return [
            SurveyRow(
                kommunenummer=r["kommunenummer"],
                municipality=register[r["kommunenummer"]].name,
                county_number=r["county_number"],
                county=register[r["kommunenummer"]].county,
                visit_date=r["visit_date"],
                tally=_tally(r),
            )
            for r in rows
        ]


def _tally(row: asyncpg.Record) -> Tally:
    return Tally(
        answers=row["answers"],
        imagine={"yes": row["imagine_yes"], "maybe": row["imagine_maybe"], "no": row["imagine_no"]},
        learned={"yes": row["learned_yes"], "no": row["learned_no"]},
        good={"yes": row["good_yes"], "ok": row["good_ok"], "no": row["good_no"]},
    )
