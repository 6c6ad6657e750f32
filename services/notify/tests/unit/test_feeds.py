"""Calendar feeds: what a feed shows and when it last changed, their secrets, and answering 304."""

import base64
import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import ics
import pytest
from icalendar import Calendar
from pydantic import ValidationError
from starlette.requests import Request

from notify.adapters.calendar import feed_ics
from notify.domain.feeds import CANCELLED_KEPT, FeedEntry, FeedInfo, FeedOwner, FeedScope, Region, feed, visible
from notify.domain.notices import NoticeType, Recipient
from notify.entrypoints.feeds import http_date, not_modified
from notify.entrypoints.schemas import CalendarFeedLinkOut
from notify.service_layer import feeds, handlers
from notify.service_layer.unit_of_work import NotifyUnit
from notify.settings import NotifySettings
from outreach_dev.testing.fakes import emitted_keys, in_memory
from outreach_shared.calendar import CalendarEvent
from outreach_shared.contracts.booking import VisitRequested
from outreach_shared.errors import NotFound

from .fakes import FakeDeliveries, FakeFeeds, FakeHoldings, FakeReadModels, FakeTimers, unit

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
START = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)  # 01:30 in Oslo, half an hour before the clocks go forward
KARI = FeedOwner("member", "m-1", FeedScope.of_member("m-1"))


def entry(uid: str, *, cancelled: bool = False, changed_at: datetime = NOW, start: datetime = START) -> FeedEntry:
    event = CalendarEvent(uid, 2, start, start + timedelta(hours=2), "Jobbvinner: Skolebesøk", "Byskolen",
                          cancelled=cancelled)  # fmt: skip
    return FeedEntry(event, changed_at)


def test_a_cancelled_event_is_shown_for_thirty_days_from_its_cancellation() -> None:
    cancelled = entry("v-1", cancelled=True, changed_at=NOW)
    assert visible(cancelled, NOW + CANCELLED_KEPT - timedelta(seconds=1))
    assert not visible(cancelled, NOW + CANCELLED_KEPT)
    assert visible(entry("v-2", changed_at=NOW - timedelta(days=400)), NOW)


def test_a_feed_is_in_order_of_start_and_last_modified_at_its_latest_change_or_drop() -> None:
    created = NOW - timedelta(days=90)
    later = entry("b", start=START + timedelta(days=1))
    dropped = entry("x", cancelled=True, changed_at=NOW - timedelta(days=31))
    shown = feed(created, [later, entry("a", changed_at=NOW - timedelta(days=2)), dropped], NOW)
    assert [e.event.uid for e in shown.entries] == ["a", "b"]
    assert shown.last_modified == NOW  # `b` changed now
    quiet = feed(created, [entry("a", changed_at=NOW - timedelta(days=5)), dropped], NOW)
    assert quiet.last_modified == NOW - timedelta(days=1)  # when `x` dropped out
    assert feed(created, [], NOW).last_modified == created


def test_a_region_covers_its_fylker_and_kommuner_or_the_whole_country() -> None:
    assert Region().covers("0301") and Region().national
    west = Region(fylker=frozenset({"46"}), kommuner=frozenset({"0301"}))
    assert west.covers("4601") and west.covers("0301") and not west.covers("5001") and not west.national


def feeds_unit(store: FakeFeeds, deliveries: FakeDeliveries | None = None) -> NotifyUnit:
    return in_memory(NotifyUnit, now=NOW, feeds=store, read_models=FakeReadModels(),
                     deliveries=deliveries or FakeDeliveries())  # fmt: skip


async def test_rotating_stores_only_the_hash_of_a_long_url_safe_secret_and_says_so() -> None:
    store, deliveries = FakeFeeds(), FakeDeliveries()
    uow = feeds_unit(store, deliveries)
    secret, info = await feeds.rotate(uow, KARI)
    assert len(base64.urlsafe_b64decode(secret + "=")) == 32 and info.created_at == NOW
    assert store.feeds["member:m-1"][0] == hashlib.sha256(secret.encode()).digest()
    again, _ = await feeds.rotate(uow, KARI)
    assert again != secret and store.feeds["member:m-1"][0] == hashlib.sha256(again.encode()).digest()
    assert emitted_keys(uow) == [("calendar-feed.rotated", "member:m-1")] * 2
    told = [(p.draft.notice_type, p.draft.recipient, p.draft.context) for p in deliveries.planned]
    assert told == [(NoticeType.CALENDAR_FEED_CHANGED, Recipient.member("m-1"), {"revoked": False})] * 2
    assert secret not in str(deliveries.planned) and again not in str(deliveries.planned)


async def test_only_a_member_is_told_of_a_new_feed_address() -> None:
    deliveries = FakeDeliveries()
    uow = feeds_unit(FakeFeeds(), deliveries)
    await feeds.rotate(uow, FeedOwner("school", "974760673", FeedScope.of_school("974760673")))
    await feeds.rotate(uow, FeedOwner("organiser", "organiser", FeedScope.of_region()))
    assert deliveries.planned == [] and len(emitted_keys(uow)) == 2


async def test_an_unknown_or_revoked_secret_opens_nothing() -> None:
    store, deliveries = FakeFeeds(), FakeDeliveries()
    uow = feeds_unit(store, deliveries)
    secret, _ = await feeds.rotate(uow, KARI)
    store.held["member:m-1"] = [entry("v-1")]
    assert [e.event.uid for e in (await feeds.read(uow, secret)).entries] == ["v-1"]
    await feeds.revoke(uow, KARI)
    await feeds.revoke(uow, KARI)  # nothing left: no second event
    for wrong in (secret, "A" * 43):
        with pytest.raises(NotFound):
            await feeds.read(uow, wrong)
    assert emitted_keys(uow)[1:] == [("calendar-feed.revoked", "member:m-1")]
    assert [p.draft.context for p in deliveries.planned] == [{"revoked": False}, {"revoked": True}]


def test_a_feed_is_the_same_bytes_each_time_and_two_parsers_read_its_instants_alike() -> None:
    entries = [entry("visit-v-1@outreach.jobbvinner.no"), entry("visit-v-2@outreach.jobbvinner.no", cancelled=True)]
    text = feed_ics(entries)
    assert text == feed_ics(entries)
    by_icalendar, by_ics = Calendar.from_ical(text), ics.Calendar(text)
    assert [str(e["STATUS"]) for e in by_icalendar.events] == ["CONFIRMED", "CANCELLED"]
    for ours, theirs in zip(by_icalendar.events, sorted(by_ics.events, key=lambda e: e.uid), strict=True):
        assert ours.start.astimezone(UTC) == theirs.begin.to("UTC").datetime == START
        assert int(ours["SEQUENCE"]) == 2 and ours.DTSTAMP.astimezone(UTC) == NOW


def test_a_feeds_validator_changes_with_every_change_its_text_shows() -> None:
    base = entry("visit-v-1@outreach.jobbvinner.no")
    e = base.event
    changes = [
        FeedEntry(replace(e, sequence=3), base.changed_at), FeedEntry(replace(e, cancelled=True), base.changed_at),
        FeedEntry(replace(e, start=START - timedelta(hours=1)), base.changed_at),
        FeedEntry(replace(e, summary="Ny"), base.changed_at), FeedEntry(replace(e, location="Ny"), base.changed_at),
        FeedEntry(e, base.changed_at + timedelta(seconds=1)),
    ]  # fmt: skip
    same = feed(NOW, [base], NOW)
    assert same.version == feed(NOW - timedelta(days=1), [base], NOW).version  # rotation leaves the text as it is
    for changed in changes:
        other = feed(NOW, [changed], NOW)
        assert feed_ics(other.entries) != feed_ics(same.entries) and other.version != same.version, changed
    assert feed(NOW, [], NOW).version != same.version


def request(**headers: str) -> Request:
    raw = [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw})


def test_304_follows_if_none_match_first_then_if_modified_since() -> None:
    tag, modified = '"abc"', NOW + timedelta(microseconds=500)
    assert not_modified(request(if_none_match='W/"abc"'), tag, modified)
    assert not_modified(request(if_none_match="*"), tag, modified)
    assert not not_modified(request(if_none_match='"other"', if_modified_since=http_date(NOW)), tag, modified)
    assert not_modified(request(if_modified_since=http_date(NOW)), tag, modified)
    assert not not_modified(request(if_modified_since=http_date(NOW - timedelta(seconds=1))), tag, modified)
    for garbage in ("yesterday", "9999", "Mon, 99 Foo 99999 99:99:99 GMT", "\x00"):
        assert not not_modified(request(if_modified_since=garbage), tag, modified)
    assert not not_modified(request(), tag, modified)


async def test_a_requested_visit_is_placed_by_its_schools_orgnr_and_kommune() -> None:
    store = FakeFeeds()
    uow = unit(feeds=store, deliveries=FakeDeliveries(), read_models=FakeReadModels(), holdings=FakeHoldings(),
               timers=FakeTimers())  # fmt: skip
    requested = VisitRequested(
        visit_id="v-1", orgnr="974760673", school_name="Nordstrand skole", school_address="Oslo",
        kommunenummer="0301", kind="school_visit", audience_description="10. trinn", pupils=20,
        professions=["nurse"], language="nb", windows=[], team_size=2,
    )  # fmt: skip
    await handlers.on_visit_requested(uow, requested)
    assert store.places == {"v-1": ("974760673", "0301")}


def test_a_feed_link_is_under_the_configured_base_in_both_forms() -> None:
    info = FeedInfo("member:m-1", NOW)
    link = CalendarFeedLinkOut.of(info, base_url="https://api.jobbvinner.no/", secret="s" * 43)
    assert link.feed_url == "https://api.jobbvinner.no/v1/calendar/" + "s" * 43 + ".ics"
    assert link.webcal_url == "webcal://api.jobbvinner.no/v1/calendar/" + "s" * 43 + ".ics"


@pytest.mark.parametrize("value", ["api.jobbvinner.no", "ftp://x", "https://a b"])
def test_a_feed_base_must_be_an_absolute_http_url_or_empty(value: str) -> None:
    assert NotifySettings(feed_base_url="").feed_base_url == ""
    with pytest.raises(ValidationError):
        NotifySettings(feed_base_url=value)
