"""Personal calendar feeds on the real Kafka and PostgreSQL: the same UIDs and SEQUENCEs as the mailed invitations,
read alike by two parsers; secrets that rotate, revoke and never show again; cancelled events kept 30 days by the
service's clock; 304 for an unchanged feed; the caller's own feed only; hostile paths refused."""

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from uuid import UUID

import asyncpg
import httpx
import ics
import pytest
from icalendar import Calendar

from outreach_dev.testing.fakes import MovableClock
from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts.ambassadors import MemberErased, MemberReleased
from outreach_shared.contracts.booking import VisitCancelled, VisitConfirmed
from outreach_shared.contracts.common import TimeWindow, Venue
from outreach_shared.contracts.training import RegistrationConfirmed
from outreach_shared.regions import Region

from .helpers import Publisher, confirmed, contact, member, member_id, uid
from .smtp import RecordingHandler

Entry = tuple[str, int, str]  # (UID, SEQUENCE, STATUS)


@pytest.fixture
def clock(service: RunningService) -> Iterator[MovableClock]:
    """The service's one clock, standing still at the present until the test moves it (restored afterwards)."""
    before = service.runtime.clock
    service.runtime.clock = moving = MovableClock(datetime.now(UTC).replace(microsecond=0))
    yield moving
    service.runtime.clock = before


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


async def rotate(service: RunningService, headers: dict[str, str]) -> str:
    """A new feed for the caller; its path."""
    r = await service.client.post("/v1/me/calendar-feed/rotate", headers=headers)
    assert r.status_code == 200, r.text
    return path_of(r.json()["feed_url"])


async def entries(service: RunningService, path: str) -> list[Entry]:
    r = await service.client.get(path)
    assert r.status_code == 200, r.text
    return [(str(e["UID"]), int(e["SEQUENCE"]), str(e["STATUS"])) for e in Calendar.from_ical(r.text).events]


def mailed(smtp: RecordingHandler, address: str) -> list[Entry]:
    """Every calendar message mailed to `address`, as (UID, SEQUENCE, STATUS)."""
    return [
        (str(e["UID"]), int(e["SEQUENCE"]), str(e["STATUS"]))
        for message in smtp.to(address)
        for part in message.iter_attachments()
        if part.get_content_type() == "text/calendar"
        for e in Calendar.from_ical(part.get_content()).events
    ]


def visit_for(visit: str, team: list[str], orgnr: str, start: datetime, sequence: int = 1) -> VisitConfirmed:
    event = confirmed(visit, [(m, "Kari") for m in team], timedelta(days=10), sequence=sequence)
    slot = TimeWindow(start=start, end=start + timedelta(hours=2))
    return event.model_copy(update={"orgnr": orgnr, "scheduled": slot})


def orgnr() -> str:
    return str(900_000_000 + int(uid("o").split("-")[1], 16) % 99_999_999)


async def test_a_members_feed_shows_her_visit_and_gathering_as_mailed_read_alike_by_two_parsers(
    service: RunningService, publish: Publisher, smtp: RecordingHandler, db: asyncpg.Pool
) -> None:
    visit, gathering, kari = uid("v"), uid("g"), member_id()
    start = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 in Oslo, an hour that happens twice
    await publish.event(member(kari), key=kari)
    await publish.event(contact(visit), key=visit)
    await publish.event(visit_for(visit, [kari], orgnr(), start, sequence=3), key=visit)
    starts = datetime(2027, 3, 27, 23, tzinfo=UTC)  # the night Oslo skips an hour
    place = RegistrationConfirmed(
        gathering_id=gathering, member_id=kari, title="Årssamling vest", starts_at=starts,
        ends_at=starts + timedelta(days=1), venue=Venue(name="Grand", address="Bergen", kommunenummer="4601"),
    )  # fmt: skip
    await publish.event(place, key=gathering)
    expected = [(f"visit-{visit}@outreach.jobbvinner.no", 3, "CONFIRMED"),
                (f"gathering-{gathering}@outreach.jobbvinner.no", 0, "CONFIRMED")]  # fmt: skip
    await eventually(lambda: sorted(mailed(smtp, f"{kari}@example.org")) == sorted(expected))

    r = await service.client.post("/v1/me/calendar-feed/rotate", headers=service.auth("member", kari))
    assert r.status_code == 200, r.text
    link = r.json()
    secret = link["feed_url"].removeprefix("http://service.test/v1/calendar/").removesuffix(".ics")
    assert len(secret) >= 43 and link["webcal_url"] == "webcal://" + link["feed_url"].removeprefix("http://")
    feed = await service.client.get(path_of(link["feed_url"]))
    assert feed.status_code == 200 and feed.headers["content-type"] == "text/calendar; charset=utf-8"
    assert sorted(await entries(service, path_of(link["feed_url"]))) == sorted(expected)

    by_icalendar = {str(e["UID"]): e for e in Calendar.from_ical(feed.text).events}
    by_ics = {e.uid: e for e in ics.Calendar(feed.text).events}
    for uid_, (begin, end) in {expected[0][0]: (start, start + timedelta(hours=2)),
                               expected[1][0]: (starts, starts + timedelta(days=1))}.items():  # fmt: skip
        ours = by_icalendar[uid_]
        assert (ours.start.astimezone(UTC), ours.end.astimezone(UTC)) == (begin, end)
        assert (by_ics[uid_].begin.to("UTC").datetime, by_ics[uid_].end.to("UTC").datetime) == (begin, end)

    # The secret is shown once and stored only as its sha256.
    seen = await service.client.get("/v1/me/calendar-feed", headers=service.auth("member", kari))
    assert seen.status_code == 200 and seen.json()["exists"] is True and secret not in seen.text
    stored = await db.fetchval("SELECT secret_hash FROM calendar_feeds WHERE owner = $1", f"member:{kari}")
    assert bytes(stored) == hashlib.sha256(secret.encode()).digest()
    rotated = await db.fetchval(
        """SELECT envelope::text FROM outbox WHERE envelope->>'type' = 'calendar-feed.rotated'
           AND envelope->>'key' = $1""",
        f"member:{kari}",
    )
    assert rotated is not None and secret not in rotated
    # She is told (in case it was not her), and the mail carries no address.
    subjects = await eventually(lambda: [m for m in smtp.to(f"{kari}@example.org") if "Kalender" in str(m["Subject"])])
    assert str(subjects[0]["Subject"]) == "Kalenderabonnementet ditt har fått ny adresse"
    assert secret not in subjects[0].get_body(("plain",)).get_content()


async def test_rotating_again_retires_the_old_secret_and_revoking_retires_the_feed(service: RunningService) -> None:
    kari = member_id()
    headers = service.auth("member", kari)
    old = await rotate(service, headers)
    new = await rotate(service, headers)
    assert old != new
    unknown = await service.client.get("/v1/calendar/" + "A" * 43 + ".ics")
    retired = await service.client.get(old)
    assert retired.status_code == unknown.status_code == 404
    same = [{k: v for k, v in r.json().items() if k != "instance"} for r in (retired, unknown)]
    assert same[0] == same[1]  # revoked and never issued: the same answer (but for the path it names)
    assert (await service.client.get(new)).status_code == 200

    assert (await service.client.delete("/v1/me/calendar-feed", headers=headers)).status_code == 204
    assert (await service.client.get(new)).status_code == 404
    seen = await service.client.get("/v1/me/calendar-feed", headers=headers)
    assert seen.json() == {"exists": False, "created_at": None}
    assert (await service.client.delete("/v1/me/calendar-feed", headers=headers)).status_code == 204


async def test_a_cancelled_visit_stays_cancelled_for_thirty_days_then_drops(
    service: RunningService, publish: Publisher, clock: MovableClock
) -> None:
    visit, kari, school = uid("v"), member_id(), orgnr()
    await publish.event(member(kari), key=kari)
    await publish.event(visit_for(visit, [kari], school, datetime(2027, 5, 3, 8, tzinfo=UTC)), key=visit)
    mine = await rotate(service, service.auth("member", kari))
    schools = await rotate(service, service.auth("school", school))
    the_visit = f"visit-{visit}@outreach.jobbvinner.no"
    for path in (mine, schools):
        await eventually(lambda p=path: entries(service, p), timeout=30)
        assert await entries(service, path) == [(the_visit, 1, "CONFIRMED")]

    clock.advance(timedelta(days=1))
    cancelled = VisitCancelled(visit_id=visit, reason="Storm", cancelled_by="school", was_confirmed=True, late=False,
                               team_member_ids=[kari], calendar_sequence=2)  # fmt: skip
    sent = [await publish.event(cancelled, key=visit),
            await publish.event(MemberReleased(visit_id=visit, member_id=kari, reason="cancelled"), key=visit)]
    for path in (mine, schools):
        await eventually(lambda p=path: _is(entries(service, p), [(the_visit, 2, "CANCELLED")]))
    # Both events handled (they come on two topics, in either order) before the clock moves on: one handled late
    # would date its change a month later and keep the entry.
    ids = [envelope.event_id for envelope in sent]
    await eventually(lambda: _handled(service.runtime.pool, ids))

    clock.advance(timedelta(days=29, hours=23))
    assert await entries(service, mine) == await entries(service, schools) == [(the_visit, 2, "CANCELLED")]
    before = await service.client.get(mine)
    clock.advance(timedelta(hours=2))  # past 30 days since the cancellation
    assert await entries(service, mine) == await entries(service, schools) == []
    after = await service.client.get(mine)
    assert after.headers["etag"] != before.headers["etag"]
    when = [parsedate_to_datetime(r.headers["last-modified"]) for r in (before, after)]
    assert when[1] > when[0]
    since = await service.client.get(mine, headers={"If-Modified-Since": before.headers["last-modified"]})
    assert since.status_code == 200  # the drop is a change


async def _handled(pool: asyncpg.Pool, event_ids: list[UUID]) -> bool:
    handled = await pool.fetchval("SELECT count(DISTINCT event_id) FROM inbox WHERE event_id = ANY($1::uuid[])",
                                  event_ids)  # fmt: skip
    return bool(handled == len(event_ids))


async def _is(found: object, expected: list[Entry]) -> bool:
    return await found == expected  # type: ignore[misc]


async def test_an_unchanged_feed_answers_304_and_a_change_gives_a_new_etag(
    service: RunningService, publish: Publisher, clock: MovableClock
) -> None:
    kari, first, second = member_id(), uid("v"), uid("v")
    await publish.event(member(kari), key=kari)
    await publish.event(visit_for(first, [kari], orgnr(), datetime(2027, 6, 1, 8, tzinfo=UTC)), key=first)
    path = await rotate(service, service.auth("member", kari))
    await eventually(lambda: entries(service, path))
    r = await service.client.get(path)
    tag, modified = r.headers["etag"], r.headers["last-modified"]
    assert tag.startswith('"') and r.headers["cache-control"].startswith("private")

    for headers in ({"If-None-Match": tag}, {"If-None-Match": f'"other", W/{tag}'}, {"If-None-Match": "*"},
                    {"If-Modified-Since": modified}):  # fmt: skip
        again = await service.client.get(path, headers=headers)
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag, headers
    assert (await service.client.get(path, headers={"If-None-Match": '"other"'})).status_code == 200
    # If-None-Match decides when both are given.
    both = await service.client.get(path, headers={"If-None-Match": '"other"', "If-Modified-Since": modified})
    assert both.status_code == 200
    assert (await service.client.get(path, headers={"If-Modified-Since": "not a date"})).status_code == 200

    clock.advance(timedelta(minutes=5))
    await publish.event(visit_for(second, [kari], orgnr(), datetime(2027, 6, 2, 8, tzinfo=UTC)), key=second)
    changed = await eventually(lambda: _changed(service, path, tag))
    assert changed.headers["etag"] != tag and len(Calendar.from_ical(changed.text).events) == 2
    assert parsedate_to_datetime(changed.headers["last-modified"]) > parsedate_to_datetime(modified)


async def _changed(service: RunningService, path: str, tag: str) -> httpx.Response | None:
    r = await service.client.get(path, headers={"If-None-Match": tag})
    return r if r.status_code == 200 else None


async def test_a_school_sees_its_visits_by_orgnr_and_an_organiser_the_countrys(
    service: RunningService, publish: Publisher, smtp: RecordingHandler
) -> None:
    ours, theirs, kari, school, other = uid("v"), uid("v"), member_id(), orgnr(), orgnr()
    await publish.event(member(kari), key=kari)
    await publish.event(contact(ours), key=ours)
    await publish.event(visit_for(ours, [kari], school, datetime(2027, 9, 1, 8, tzinfo=UTC), sequence=4), key=ours)
    in_trondheim = visit_for(theirs, [kari], other, datetime(2027, 9, 2, 8, tzinfo=UTC))
    await publish.event(in_trondheim.model_copy(update={"kommunenummer": "5001"}), key=theirs)
    as_mailed = await eventually(lambda: mailed(smtp, f"contact-{ours}@school.example.org"))
    schools = await rotate(service, service.auth("school", school))
    organisers = await rotate(service, service.auth("organiser"))
    oslo = await rotate(service, service.auth("organiser", region=Region.of(fylker=["03"])))
    trondelag = await rotate(service, service.auth("organiser", region=Region.of(fylker=["50"])))
    await eventually(lambda: _is(entries(service, schools), as_mailed))
    national = await entries(service, organisers)
    theirs_uid, ours_uid = f"visit-{theirs}@outreach.jobbvinner.no", f"visit-{ours}@outreach.jobbvinner.no"
    assert set(as_mailed) <= set(national) and theirs_uid in {e[0] for e in national}
    in_oslo = {e[0] for e in await entries(service, oslo)}
    in_trondelag = {e[0] for e in await entries(service, trondelag)}
    assert ours_uid in in_oslo and theirs_uid not in in_oslo  # a regional organiser's feed: the region's visits
    assert theirs_uid in in_trondelag and ours_uid not in in_trondelag
    assert len({organisers, oslo, trondelag}) == 3  # three feeds: a regional one is not the national one


async def test_only_the_owner_manages_a_feed_and_only_the_secret_opens_it(
    service: RunningService, publish: Publisher
) -> None:
    visit, kari, ola = uid("v"), member_id(), member_id()
    await publish.event(visit_for(visit, [kari], orgnr(), datetime(2027, 9, 3, 8, tzinfo=UTC)), key=visit)
    for method in ("POST", "GET", "DELETE"):
        url = "/v1/me/calendar-feed/rotate" if method == "POST" else "/v1/me/calendar-feed"
        assert (await service.client.request(method, url)).status_code == 401
        bad = {"Authorization": "Bearer not-a-token"}
        assert (await service.client.request(method, url, headers=bad)).status_code == 401
    karis = await rotate(service, service.auth("member", kari))
    await eventually(lambda: entries(service, karis))

    # Ola sees, revokes and rotates only his own: Kari's feed keeps working and never shows in his.
    seen = await service.client.get("/v1/me/calendar-feed", headers=service.auth("member", ola))
    assert seen.json()["exists"] is False
    assert (await service.client.delete("/v1/me/calendar-feed", headers=service.auth("member", ola))).status_code == 204
    olas = await rotate(service, service.auth("member", ola))
    assert await entries(service, olas) == [] and len(await entries(service, karis)) == 1
    # A token adds nothing to a feed: the secret alone opens it, and a wrong one is 404 with any token.
    assert (await service.client.get(olas.replace(olas[-10:-4], "AAAAAA"), headers=service.auth("member", ola))
            ).status_code == 404  # fmt: skip


async def test_an_erased_members_feed_is_gone(service: RunningService, publish: Publisher) -> None:
    kari = member_id()
    await publish.event(member(kari), key=kari)
    path = await rotate(service, service.auth("member", kari))
    await publish.event(MemberErased(member_id=kari), key=kari)
    await eventually(lambda: _status(service, path, 404))


async def _status(service: RunningService, path: str, status: int) -> bool:
    return (await service.client.get(path)).status_code == status


@pytest.mark.parametrize(
    "path",
    [
        "/v1/calendar/%00" + "A" * 42 + ".ics",
        "/v1/calendar/" + "A" * 20 + "%00" + "A" * 22 + ".ics",
        "/v1/calendar/" + "A" * 60_000 + ".ics",
        "/v1/calendar/" + "A" * 129 + ".ics",
        "/v1/calendar/short.ics",
        "/v1/calendar/" + "%C3%A6" * 40 + ".ics",
        "/v1/calendar/" + "A" * 43 + "%2F..%2F..ics",
        "/v1/calendar/" + "A" * 43,
        "/v1/calendar/" + "A" * 43 + ".ical",
        "/v1/calendar/.ics",
    ],
)
async def test_hostile_feed_paths_are_refused_never_a_server_error(service: RunningService, path: str) -> None:
    r = await service.client.get(path, headers={"If-None-Match": "W/" * 1000, "If-Modified-Since": "9999"})
    assert r.status_code in (404, 422), (r.status_code, r.text[:200])
    assert r.headers["content-type"].startswith("application/problem+json") or r.status_code == 404
