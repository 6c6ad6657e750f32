"""Turn notice drafts into stored notices and one delivery per channel, exactly once per event."""

from collections.abc import Sequence
from uuid import UUID, uuid4

import asyncpg

from notify.adapters import deliveries, read_models
from notify.adapters.calendar import to_ics
from notify.adapters.deliveries import PlannedNotice
from notify.domain.channels import plan_channels
from notify.domain.notices import NoticeDraft


async def plan(conn: asyncpg.Connection, drafts: Sequence[NoticeDraft], *, event_id: UUID, correlation_id: str) -> int:
    """Store each draft with its deliveries (skipping erased recipients and repeats); returns deliveries made.

    Set-based: one statement locks the recipients, one reads who is erased and members' preferences, one writes
    the notices and their deliveries, however many drafts there are.
    """
    if not drafts:
        return 0
    recipients = {draft.recipient.key for draft in drafts}
    await read_models.lock_recipients(conn, recipients)
    state = await read_models.get_recipients_state(conn, recipients)
    planned: list[PlannedNotice] = []
    seen: set[tuple[str, str]] = set()
    for draft in drafts:
        key = (draft.recipient.key, draft.notice_type.value)
        if draft.recipient.key in state.erased or key in seen:
            continue  # an erased recipient gets nothing; a repeat in one event is one notice (the first)
        seen.add(key)
        preferences = state.preferences.get(draft.recipient.ref) if draft.recipient.kind == "member" else None
        planned.append(
            PlannedNotice(
                id=uuid4(),
                draft=draft,
                calendar=to_ics(draft.calendar) if draft.calendar else None,
                channels=[channel.value for channel in plan_channels(draft, preferences)],
            )
        )
    return await deliveries.create_notices(conn, planned, event_id=event_id, correlation_id=correlation_id)
