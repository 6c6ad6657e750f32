"""Ten school years of a national programme, as rows of each service's own tables (issue #25's scale).

357 kommuner, 3,000 schools, 5,000 members, 30,000 visits a school year with their offers and notices, and 10
gatherings a year with invitations and registrations: what organisers' pages must stay fast with. Pure: `plan()`
makes the rows from a seed and a day, the same rows for the same seed and day; `national_load` writes them.

The rows are what the services' own code would have written had the programme run for ten years: booking's visits
with their history, contacts and teams; ambassadors' roster, its copy of each visit, the offers (accepted, declined,
expired, open) and the visits held; training's gatherings, its roster copy, invitations and registrations (with
check-ins and certificates where a gathering is over); notify's contacts, its copy of each visit, and one notice per
offer (e-mail and inbox) and per confirmation to the school; the portal's roster copy. No member holds two visits on
one day, nor more a month than they allow; every visit held has its team and its report.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from asyncpg import Range

from outreach_shared.municipalities import Municipality, load_register
from outreach_shared.orgnr import with_check_digit

from .demo import FIRST, LAST, OSLO

KINDS = ("school_visit", "school_visit", "school_visit", "education_fair", "career_day", "digital_visit")
SLOTS = ((time(9), time(11)), (time(10), time(12)), (time(12), time(14)))
CONTACT_KEEP_DAYS = 366
"""Booking's `contact_keep_days` (365) and a day: older contacts of visits that ended are erased, not generated."""


@dataclass(frozen=True)
class Scale:
    """How big the programme is."""

    schools: int = 3000
    members: int = 5000
    visits_per_year: int = 30000
    gatherings_per_year: int = 10
    years: int = 10
    seed: int = 2026


NATIONAL = Scale()
SMALL = Scale(schools=40, members=80, visits_per_year=300, gatherings_per_year=2, years=2)
"""For tests of the generator itself: the same shapes, in a second."""

COLUMNS: dict[tuple[str, str], tuple[str, ...]] = {
    ("booking", "visits"): ("id", "orgnr", "school_name", "school_address", "kommunenummer", "county_number", "kind",
                            "audience_description", "pupils", "professions", "language", "team_size", "notes",
                            "windows", "status", "visit_date", "scheduled_start", "scheduled_end", "calendar_sequence",
                            "calendar_start", "calendar_end", "ever_confirmed", "cancellation", "unfulfilled_reason",
                            "report", "pupils_reached", "rating", "created_at", "updated_at"),
    ("booking", "visit_status_history"): ("visit_id", "status", "at", "note"),
    ("booking", "visit_contacts"): ("visit_id", "name", "email", "phone"),
    ("booking", "visit_team_members"): ("visit_id", "position", "member_id", "first_name", "profession"),
    ("booking", "member_names"): ("member_id", "first_name"),
    ("ambassadors", "members"): ("id", "name", "email", "phone", "employer", "profession", "kommunenummer", "fylke",
                                 "languages", "max_visits_per_month", "travel_radius_km", "weekdays", "active",
                                 "trained_year", "created_at", "updated_at"),
    ("ambassadors", "visits"): ("id", "request", "status", "round", "window_start", "window_end", "confirmed_once",
                                "unfulfilled_reason", "unfulfilled_at", "reported_at", "last_end", "created_at",
                                "updated_at"),
    ("ambassadors", "offers"): ("id", "visit_id", "member_id", "round", "status", "window_start", "window_end", "busy",
                                "expires_at", "reason", "decline_reason", "created_at", "answered_at", "override"),
    ("ambassadors", "completed_visits"): ("visit_id", "member_id", "visit_start", "pupils_reached"),
    ("training", "members"): ("member_id", "profession", "county", "active", "updated_at"),
    ("training", "gatherings"): ("id", "title", "venue", "region", "audience", "capacity", "starts_at", "ends_at",
                                 "registration_opens", "registration_closes", "withdrawal_deadline", "sessions",
                                 "status", "created_at", "updated_at", "completed_at"),
    ("training", "invitations"): ("gathering_id", "member_id", "invited_at"),
    ("training", "registrations"): ("id", "gathering_id", "member_id", "status", "registered_at", "checked_in_at",
                                    "check_in_code", "verification_code", "updated_at"),
    ("notify", "contacts"): ("recipient", "name", "first_name", "email", "phone", "language"),
    ("notify", "visits"): ("visit_id", "school_name", "school_address", "kind", "language", "start_at", "end_at"),
    ("notify", "gatherings"): ("gathering_id", "title"),
    ("notify", "notices"): ("id", "event_id", "correlation_id", "notice_type", "recipient", "subject", "urgent",
                            "context", "created_at"),
    ("notify", "deliveries"): ("id", "notice_id", "event_id", "recipient", "channel", "status", "attempts",
                               "next_attempt_at", "sent_at", "created_at", "updated_at"),
    ("notify", "inbox_items"): ("id", "notice_id", "member_id", "notice_type", "title", "body", "created_at",
                                "read_at"),
    ("portal", "members"): ("member_id", "email", "active", "language", "updated_at"),
}  # fmt: skip
"""Every table the generator writes, with the columns it fills (the others keep their defaults)."""

Rows = dict[tuple[str, str], list[tuple[Any, ...]]]


@dataclass(frozen=True)
class School:
    orgnr: str
    name: str
    address: str
    place: Municipality


@dataclass
class Member:
    id: str
    first: str
    name: str
    email: str
    profession: str
    place: Municipality
    languages: list[str]
    per_month: int
    active: bool
    trained_year: int | None = None
    busy_days: set[date] = field(default_factory=set)
    per_month_taken: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))

    def free(self, day: date) -> bool:
        return day not in self.busy_days and self.per_month_taken[(day.year, day.month)] < self.per_month

    def hold(self, day: date) -> None:
        self.busy_days.add(day)
        self.per_month_taken[(day.year, day.month)] += 1


def orgnr_with_check_digit(base: int) -> str | None:
    """A nine-digit organisation number from eight digits with its MOD11 check digit (None where there is none)."""
    return with_check_digit(f"{base:08d}")


def school_year_of(day: date) -> int:
    """The year a school year begins in (1 August)."""
    return day.year if day.month >= 8 else day.year - 1


def school_days(first_year: int) -> list[date]:
    """Weekdays of the school year beginning in `first_year`, 15 August to 20 June, without July."""
    day, end, out = date(first_year, 8, 15), date(first_year + 1, 6, 20), []
    while day <= end:
        if day.weekday() < 5 and not (day.month == 12 and day.day > 20) and not (day.month == 1 and day.day < 3):
            out.append(day)
        day += timedelta(days=1)
    return out


class Generator:
    """One programme: its schools and roster, then each school year's visits, then the gatherings."""

    def __init__(self, scale: Scale, today: date) -> None:
        self.scale, self.today = scale, today
        self.rng = random.Random(scale.seed)
        self.now = datetime.combine(today, time(12), OSLO)
        self.register = sorted(load_register().by_number.values(), key=lambda m: m.number)
        weights = {m.number: self.rng.paretovariate(1.2) for m in self.register}
        self.schools = self._schools(weights)
        self.members = self._members()
        self.by_county: dict[str, list[Member]] = defaultdict(list)
        for member in self.members:
            if member.active:
                self.by_county[member.place.county_number].append(member)
        self.current_year = school_year_of(today)

    # ------------------------------------------------------------------ ids and people

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def code(self, n: int) -> str:
        return "".join(self.rng.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(n))

    def _schools(self, weights: dict[str, float]) -> list[School]:
        places = list(self.register)
        chosen = places * max(1, min(2, self.scale.schools // len(places)))
        chosen = chosen[: self.scale.schools]
        extra = self.scale.schools - len(chosen)
        chosen += self.rng.choices(places, weights=[weights[m.number] for m in places], k=extra)
        schools, base = [], 91_000_000
        for i, place in enumerate(chosen):
            orgnr = None
            while orgnr is None:
                base += 1
                orgnr = orgnr_with_check_digit(base)
            kind = "ungdomsskole" if i % 3 else "videregående skole"
            schools.append(School(orgnr, f"{place.name} {kind} {i + 1}", f"Skolevegen {1 + i % 90}", place))
        return schools

    def _members(self) -> list[Member]:
        members = []
        for i in range(self.scale.members):
            school = self.schools[self.rng.randrange(len(self.schools))]  # members live where the schools are
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            languages = (
                ["nb"] + (["nn"] if self.rng.random() < 0.3 else []) + (["en"] if self.rng.random() < 0.5 else [])
            )
            email = f"{first}.{last}.{i}@ambassador.example".lower()
            profession = "nurse" if self.rng.random() < 0.6 else "health_worker"
            members.append(Member(self.uuid(), first, f"{first} {last}", email, profession, school.place, languages,
                                  self.rng.randint(2, 6), self.rng.random() > 0.04))  # fmt: skip
        return members

    def roster_rows(self) -> Rows:
        rows: Rows = defaultdict(list)
        created = self.now - timedelta(days=365 * self.scale.years)
        for m in self.members:
            phone = f"+479{self.rng.randrange(10_000_000):07d}"
            rows["ambassadors", "members"].append((
                uuid.UUID(m.id), m.name, m.email, phone, f"{m.place.name} kommune", m.profession, m.place.number,
                m.place.county_number, m.languages, m.per_month, self.rng.choice((20, 30, 50, 80)), [1, 2, 3, 4, 5],
                m.active, m.trained_year, created, created))  # fmt: skip
            rows["booking", "member_names"].append((m.id, m.first))
            rows["training", "members"].append((m.id, m.profession, m.place.county_number, m.active, created))
            rows["notify", "contacts"].append((f"member:{m.id}", m.name, m.first, m.email, phone, "nb"))
            rows["portal", "members"].append((m.id, m.email, m.active, "nb", created))
        return rows

    # ------------------------------------------------------------------ visits

    def visit_years(self) -> Iterator[Rows]:
        """Each school year's visits, oldest first (the current year last), as rows."""
        for first_year in range(self.current_year - self.scale.years + 1, self.current_year + 1):
            yield self._year(first_year)

    def _year(self, first_year: int) -> Rows:
        rows: Rows = defaultdict(list)
        days = school_days(first_year)
        for _ in range(self.scale.visits_per_year):
            self._visit(rows, self.rng.choice(self.schools), self.rng.choice(days))
        return rows

    def _status(self, day: date) -> str:
        r = self.rng.random()
        if day < self.today - timedelta(days=14):
            return "completed" if r < 0.85 else "cancelled" if r < 0.93 else "unfulfilled"
        if day < self.today:
            return "completed" if r < 0.6 else "confirmed" if r < 0.85 else "cancelled" if r < 0.93 else "unfulfilled"
        return ("requested" if r < 0.08 else "offered" if r < 0.3 else "confirmed" if r < 0.82
                else "unfulfilled" if r < 0.9 else "cancelled")  # fmt: skip

    def _visit(self, rows: Rows, school: School, day: date) -> None:
        rng, vid = self.rng, self.uuid()
        begins, ends = self.rng.choice(SLOTS)
        start, end = datetime.combine(day, begins, OSLO), datetime.combine(day, ends, OSLO)
        created = min(start - timedelta(days=rng.randint(14, 70), hours=rng.randint(0, 8)), self.now)
        status = self._status(day)
        professions = rng.choice((["nurse"], ["health_worker"], ["nurse", "health_worker"]))
        team_size, pupils = rng.choice((1, 2, 2, 2)), rng.randint(15, 120)
        kind, language = (
            rng.choice(KINDS),
            "nn" if school.place.county_number in ("46", "15") and rng.random() < 0.4 else "nb",
        )
        county = self.by_county.get(school.place.county_number, [])
        wanted = [
            m for m in (rng.sample(county, min(len(county), 12)) if county else []) if m.profession in professions
        ]
        team: list[Member] = []
        if status in ("confirmed", "completed", "offered"):
            for m in wanted:
                if len(team) < team_size and m.free(day):
                    team.append(m)
            if len(team) < team_size and status != "offered":
                status = "unfulfilled" if day >= self.today or rng.random() < 0.5 else "cancelled"
                team = []
        answered = created + timedelta(hours=rng.randint(2, 40))
        offered_at = created + timedelta(minutes=2)
        others = [m for m in wanted if m not in team][: rng.randint(0, 2)]
        scheduled = status in ("confirmed", "completed")
        window = [{"start": start.isoformat(), "end": end.isoformat()}]
        history: list[tuple[str, datetime, str | None]] = [("requested", created, None)]
        if status != "requested":
            history.append(("offered", offered_at, None))
        if scheduled or (status == "cancelled" and rng.random() < 0.5):
            history.append(("confirmed", answered, None))
        report = rating = cancellation = reason = None
        reached = None
        if status == "completed":
            reached = max(1, pupils - rng.randint(0, 10))
            at = end + timedelta(hours=rng.randint(1, 48))
            report = {
                "member_id": team[0].id,
                "pupils_reached": reached,
                "notes": "",
                "at": at.isoformat(),
                "by": "member",
            }
            history.append(("completed", at, None))
            if rng.random() < 0.6:
                rating = {
                    "score": rng.choice((3, 4, 4, 5, 5, 5)),
                    "comment": "",
                    "at": (at + timedelta(days=1)).isoformat(),
                }
        elif status == "cancelled":
            at = min(start - timedelta(days=rng.randint(1, 10)), self.now)
            cancellation = {"reason": "Planleggingsdag", "by": "school", "at": at.isoformat(), "late": False}
            history.append(("cancelled", at, "Planleggingsdag"))
        elif status == "unfulfilled":
            reason = "Ingen ledige ambassadører i nærheten"
            history.append(("unfulfilled", offered_at + timedelta(days=3), reason))
        sched = (start, end) if scheduled else (None, None)
        rows["booking", "visits"].append((
            vid, school.orgnr, school.name, school.address, school.place.number, school.place.county_number, kind,
            "10. trinn", pupils, professions, language, team_size, None, window, status, start, *sched,
            1 if scheduled else 0, *sched, scheduled or any(h[0] == "confirmed" for h in history),
            cancellation, reason, report, reached, rating, created, history[-1][1]))  # fmt: skip
        rows["booking", "visit_status_history"] += [(vid, s, at, note) for s, at, note in history]
        kept = status in ("requested", "offered", "confirmed") or start > self.now - timedelta(days=CONTACT_KEEP_DAYS)
        if kept:  # booking erases a school contact a year after the visit (and notify forgets the school with it)
            email = f"radgiver.{school.orgnr}@skole.example"
            rows["booking", "visit_contacts"].append((vid, "Rådgiver", email, "+4791234567"))
            rows["notify", "contacts"].append((f"school:{vid}", "Rådgiver", None, email, "+4791234567", language))
        if scheduled:
            rows["booking", "visit_team_members"] += [(vid, i, m.id, m.first, m.profession) for i, m in enumerate(team)]
        request = {"visit_id": vid, "orgnr": school.orgnr, "school_name": school.name, "school_address": school.address,
                   "kommunenummer": school.place.number, "kind": kind, "audience_description": "10. trinn",
                   "pupils": pupils, "professions": professions, "language": language, "windows": window,
                   "team_size": team_size}  # fmt: skip
        amb_status = {"confirmed": "confirmed", "completed": "confirmed", "cancelled": "cancelled"}.get(status, "open")
        rows["ambassadors", "visits"].append((
            vid, request, amb_status, 1, *sched, scheduled, reason,
            offered_at + timedelta(days=3) if status == "unfulfilled" else None,
            history[-1][1] if status == "completed" else None, end, created, history[-1][1]))  # fmt: skip
        holding = "accepted" if scheduled else "offered"
        for m in team:
            m.hold(day)
            self._offer(rows, vid, m, holding, start, end, offered_at, answered if scheduled else None, school)
            if status == "completed":
                rows["ambassadors", "completed_visits"].append((vid, uuid.UUID(m.id), start, reached))
        for m in others:
            self._offer(rows, vid, m, rng.choice(("declined", "expired")), start, end, offered_at, answered, school)
        rows["notify", "visits"].append((vid, school.name, school.address, kind, language, *sched))
        if scheduled and kept:
            self._notice(rows, f"school:{vid}", "visit_confirmed_school", vid, answered, inbox=None)

    def _offer(self, rows: Rows, vid: str, m: Member, status: str, start: datetime, end: datetime, at: datetime,
               answered: datetime | None, school: School) -> None:  # fmt: skip
        expires = at + timedelta(hours=48) if status != "offered" else max(self.now + timedelta(hours=6), at)
        decline = "Jobber den dagen" if status == "declined" else None
        rows["ambassadors", "offers"].append((
            uuid.UUID(self.uuid()), vid, uuid.UUID(m.id), 1, status, start, end, Range(start, end + timedelta(hours=1)),
            expires, f"Bor i {m.place.name}", decline, at, answered if status in ("accepted", "declined") else None,
            False))  # fmt: skip
        title = f"Nytt oppdrag: {school.name}"
        self._notice(rows, f"member:{m.id}", "visit_offered", vid, at, inbox=(m.id, title))

    def _notice(self, rows: Rows, recipient: str, kind: str, vid: str, at: datetime,
                inbox: tuple[str, str] | None) -> None:  # fmt: skip
        notice, event = self.uuid(), self.uuid()
        rows["notify", "notices"].append((uuid.UUID(notice), uuid.UUID(event), f"national-{vid}", kind, recipient,
                                          f"visit:{vid}", False, {"visit_id": vid}, at))  # fmt: skip
        sent = at + timedelta(seconds=5)
        channels = ("email", "inbox") if inbox else ("email",)
        for channel in channels:
            rows["notify", "deliveries"].append((uuid.UUID(self.uuid()), uuid.UUID(notice), uuid.UUID(event),
                                                 recipient, channel, "sent", 1, at, sent, at, sent))  # fmt: skip
        if inbox:
            member_id, title = inbox
            read = sent + timedelta(hours=3) if at < self.now - timedelta(days=7) else None
            rows["notify", "inbox_items"].append((uuid.UUID(self.uuid()), uuid.UUID(notice), member_id, kind, title,
                                                  "Du har fått tilbud om et oppdrag.", at, read))  # fmt: skip

    # ------------------------------------------------------------------ gatherings

    def gatherings(self) -> Rows:
        rows: Rows = defaultdict(list)
        counties = sorted(self.by_county)
        for first_year in range(self.current_year - self.scale.years + 1, self.current_year + 1):
            for i in range(self.scale.gatherings_per_year):
                region = [counties[(first_year + i) % len(counties)]] if i else []
                self._gathering(rows, first_year, i, region)
        for m in self.members:  # what the gatherings made of them, for the roster copies written first
            if m.trained_year is not None:
                rows["ambassadors", "trained"].append((m.id, m.trained_year))
        return rows

    def _gathering(self, rows: Rows, first_year: int, i: int, region: list[str]) -> None:
        rng, gid = self.rng, self.uuid()
        day = date(first_year, 9, 1) + timedelta(days=25 * i + rng.randint(0, 10))
        starts, capacity = datetime.combine(day, time(9), OSLO), 60
        ends = starts + timedelta(hours=30)
        status = "completed" if ends < self.now else "published" if i % 3 else "draft"
        opens = starts - timedelta(days=60)
        place = self.rng.choice([m for m in self.register if not region or m.county_number in region])
        title = f"Jobbvinner-samling {i + 1} {first_year}-{str(first_year + 1)[2:]}"
        completed = ends + timedelta(days=1) if status == "completed" else None
        rows["training", "gatherings"].append((
            gid, title, {"name": f"{place.name} hotell", "address": "Storgata 1", "kommunenummer": place.number},
            region, ["nurse", "health_worker"], capacity, starts, ends, opens, starts - timedelta(days=21),
            starts - timedelta(days=14), [{"title": "Fortell din historie", "kind": "storytelling",
                                            "starts_at": starts.isoformat(),
                                            "ends_at": (starts + timedelta(hours=2)).isoformat()}],
            status, opens - timedelta(days=7), completed or opens, completed))  # fmt: skip
        rows["notify", "gatherings"].append((gid, title))
        if status == "draft":
            return
        eligible = [m for c, ms in self.by_county.items() if not region or c in region for m in ms]
        invited = rng.sample(eligible, min(len(eligible), 400))
        rows["training", "invitations"] += [(gid, m.id, opens) for m in invited]
        for n, m in enumerate(invited[: capacity + 10]):
            registered = opens + timedelta(days=rng.randint(0, 30), minutes=n)
            state = "confirmed" if n < capacity else "waitlisted"
            checked = registered if status == "completed" and state == "confirmed" and rng.random() < 0.9 else None
            if checked is not None:
                checked = starts + timedelta(minutes=rng.randint(0, 50))
                m.trained_year = max(m.trained_year or 0, first_year + 1 if day.month < 8 else first_year)
            rows["training", "registrations"].append((
                uuid.UUID(self.uuid()), gid, m.id, state, registered, checked, self.code(8),
                self.code(16) if checked else None, checked or registered))  # fmt: skip


def plan(scale: Scale = NATIONAL, today: date | None = None) -> Iterator[tuple[str, Rows]]:
    """The programme's rows in the order they are written: the roster, each school year, the gatherings (whose
    check-ins mark members trained: written last, as `("ambassadors", "trained")` pairs of member id and year)."""
    generator = Generator(scale, today or datetime.now(UTC).astimezone(OSLO).date())
    yield "roster", generator.roster_rows()
    for year, rows in zip(range(generator.current_year - scale.years + 1, generator.current_year + 1),
                          generator.visit_years(), strict=True):  # fmt: skip
        yield f"school year {year}-{str(year + 1)[2:]}", rows
    yield "gatherings", generator.gatherings()
