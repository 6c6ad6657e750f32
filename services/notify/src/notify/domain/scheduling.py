"""Reminders as durable timers: which to set for a confirmed visit or a registration, and their drafts."""

from datetime import datetime, timedelta
from typing import Any

from notify.domain import reminders as r
from notify.domain.drafts import confirmed_context
from notify.domain.notices import NoticeDraft, NoticeType, Recipient
from outreach_shared.contracts import booking as b
from outreach_shared.contracts import training as t

Scheduled = tuple[r.Reminder, NoticeDraft]


def visit_reminders(
    p: b.VisitConfirmed,
    *,
    member_offsets: list[timedelta],
    school_offsets: list[timedelta],
    thank_you_after: timedelta,
    now: datetime,
) -> list[Scheduled]:
    """Members before the visit, the school before it, and the school's thank-you after it."""
    ctx = confirmed_context(p)
    subject = f"visit:{p.visit_id}"
    prefix = r.visit_prefix(p.visit_id)
    school = Recipient.school(p.visit_id)
    out: list[Scheduled] = []
    for m in p.team:
        member = Recipient.member(m.member_id)
        for rem in r.before(f"{prefix}{member.key}:", p.scheduled.start, member_offsets, now):
            out.append((rem, NoticeDraft.of(NoticeType.VISIT_REMINDER_MEMBER, member, subject, ctx)))
    for rem in r.before(f"{prefix}school:", p.scheduled.start, school_offsets, now):
        out.append((rem, NoticeDraft.of(NoticeType.VISIT_REMINDER_SCHOOL, school, subject, ctx)))
    for rem in r.after(f"{prefix}school:", p.scheduled.end, thank_you_after, now):
        out.append((rem, NoticeDraft.of(NoticeType.VISIT_THANK_YOU, school, subject, ctx)))
    return out


def gathering_reminders(p: t.RegistrationConfirmed, offsets: list[timedelta], now: datetime) -> list[Scheduled]:
    """Reminders to a registered member before the gathering starts."""
    ctx = {
        "gathering_id": p.gathering_id,
        "title": p.title,
        "starts_at": p.starts_at.isoformat(),
        "ends_at": p.ends_at.isoformat(),
        "venue": f"{p.venue.name}, {p.venue.address}",
    }
    prefix = r.gathering_prefix(p.gathering_id, p.member_id)
    draft = NoticeDraft.of(
        NoticeType.GATHERING_REMINDER, Recipient.member(p.member_id), f"gathering:{p.gathering_id}", ctx
    )
    return [(rem, draft) for rem in r.before(prefix, p.starts_at, offsets, now)]


def to_payload(draft: NoticeDraft) -> dict[str, Any]:
    """A draft as a timer payload (no calendar: reminders carry none)."""
    return {
        "notice_type": draft.notice_type.value,
        "recipient": draft.recipient.key,
        "subject": draft.subject,
        "context": draft.context,
    }


def from_payload(payload: dict[str, Any]) -> NoticeDraft:
    """The draft a reminder timer carries."""
    return NoticeDraft.of(
        NoticeType(payload["notice_type"]),
        Recipient.parse(payload["recipient"]),
        payload["subject"],
        dict(payload["context"]),
    )
