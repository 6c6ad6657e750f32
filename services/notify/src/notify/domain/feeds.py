"""Personal calendar feeds: whose feed it is, what it shows, and when it last changed.

A feed shows what its owner holds of each calendar event, with the same UID and SEQUENCE as the mailed invitations
(so a calendar that has both shows one entry): a member her confirmed visits and gatherings, a school its visits (by
orgnr), an organiser the visits of a region. A cancelled event stays in the feed as STATUS:CANCELLED for
`CANCELLED_KEPT`, then drops out.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from notify.domain.notices import NoticeDraft, NoticeType, Recipient
from outreach_shared.calendar import CalendarEvent
from outreach_shared.regions import NATIONAL, Region

CANCELLED_KEPT = timedelta(days=30)
"""How long a cancelled event stays in feeds (as STATUS:CANCELLED), from when it was cancelled."""

OwnerKind = Literal["member", "school", "organiser"]


@dataclass(frozen=True)
class FeedScope:
    """What a feed shows: a member's holdings (`member`), a school's visits (`school`, by orgnr) or the visits of
    a region (`region`)."""

    kind: Literal["member", "school", "region"]
    ref: str = ""
    region: Region = NATIONAL

    @classmethod
    def of_member(cls, member_id: str) -> "FeedScope":
        """A member's confirmed visits and gatherings."""
        return cls("member", f"member:{member_id}")

    @classmethod
    def of_school(cls, orgnr: str) -> "FeedScope":
        """The visits of the school with this orgnr."""
        return cls("school", orgnr)

    @classmethod
    def of_region(cls, region: Region | None = None) -> "FeedScope":
        """The visits of an organiser's region (the whole country by default)."""
        return cls("region", region=region or NATIONAL)


@dataclass(frozen=True)
class FeedOwner:
    """Who may rotate and revoke a feed: a member (by member id), a school (by orgnr) or an organiser."""

    kind: OwnerKind
    ref: str
    scope: FeedScope

    @property
    def key(self) -> str:
        """`member:ID`, `school:ORGNR` or `organiser:SUBJECT`."""
        return f"{self.kind}:{self.ref}"


@dataclass(frozen=True)
class FeedInfo:
    """A feed as its owner may see it again: that it exists and since when (never its secret)."""

    owner: str
    created_at: datetime


@dataclass(frozen=True)
class FeedEntry:
    """One event of a feed, as its owner holds it, and when that last changed."""

    event: CalendarEvent
    changed_at: datetime


FEED_FORMAT = "1"
"""Raise when the feed's text changes for the same entries (a new format is a new ETag)."""


@dataclass(frozen=True)
class Feed:
    """What a feed shows now, and when that last changed."""

    entries: list[FeedEntry]
    last_modified: datetime

    @property
    def version(self) -> str:
        """A strong validator: the text of a feed is a function of its entries alone, so equal entries give equal
        bytes, and the validator is known without writing the text (a 304 costs no rendering)."""
        digest = hashlib.sha256(FEED_FORMAT.encode())
        for entry in self.entries:
            e = entry.event
            fields = (e.uid, e.sequence, e.cancelled, e.start.isoformat(), e.end.isoformat(), e.summary, e.location,
                      entry.changed_at.isoformat())  # fmt: skip
            digest.update(repr(fields).encode())
        return digest.hexdigest()[:32]


def secret_hash(secret: str) -> bytes:
    """What is stored of a secret, and looked up by: its sha256."""
    return hashlib.sha256(secret.encode()).digest()


def visible(entry: FeedEntry, now: datetime) -> bool:
    """A live event always; a cancelled one for `CANCELLED_KEPT` after it was cancelled."""
    return not entry.event.cancelled or entry.changed_at + CANCELLED_KEPT > now


def feed(created_at: datetime, entries: Iterable[FeedEntry], now: datetime) -> Feed:
    """The entries shown at `now`, in order of start; last modified at the latest change, creation or drop."""
    held = list(entries)
    shown = sorted((e for e in held if visible(e, now)), key=lambda e: (e.event.start, e.event.uid))
    changes = [created_at, *(e.changed_at for e in shown)]
    changes += [e.changed_at + CANCELLED_KEPT for e in held if not visible(e, now)]
    return Feed(shown, max(changes))


def changed_notice(owner: FeedOwner, *, revoked: bool) -> list[NoticeDraft]:
    """A member is told her feed got a new address or was turned off (so one she did not ask for shows); schools
    and organisers have no address notify knows by their orgnr or subject."""
    if owner.kind != "member":
        return []
    context = {"revoked": revoked}
    return [NoticeDraft.of(NoticeType.CALENDAR_FEED_CHANGED, Recipient.member(owner.ref), owner.key, context)]
