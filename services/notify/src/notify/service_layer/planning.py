"""Turn notice drafts into stored notices and one delivery per channel, exactly once per event."""

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from notify.adapters import deliveries, read_models
from notify.adapters.calendar import to_ics
from notify.domain.channels import plan_channels
from notify.domain.notices import NoticeDraft


async def plan(conn: asyncpg.Connection, drafts: Sequence[NoticeDraft], *, event_id: UUID, correlation_id: str) -> int:
    """Store each draft with its deliveries (skipping erased recipients and repeats); returns deliveries made."""
    made = 0
    await read_models.lock_recipients(conn, (draft.recipient.key for draft in drafts))
    for draft in drafts:
        recipient = draft.recipient.key
        if await read_models.is_erased(conn, recipient):
            continue
        notice_id = await deliveries.create_notice(
            conn,
            event_id=event_id,
            correlation_id=correlation_id,
            notice_type=draft.notice_type,
            recipient=recipient,
            subject=draft.subject,
            urgent=draft.urgent,
            context=draft.context,
            calendar=to_ics(draft.calendar) if draft.calendar else None,
        )
        if notice_id is None:
            continue
        preferences = None
        if draft.recipient.kind == "member":
            preferences = await read_models.get_preferences(conn, draft.recipient.ref)
        for channel in plan_channels(draft, preferences):
            created = await deliveries.create_delivery(
                conn, notice_id=notice_id, event_id=event_id, recipient=recipient, channel=channel.value
            )
            made += created is not None
    return made
