"""Turn notice drafts into stored notices and one delivery per channel, exactly once per event."""

from collections.abc import Sequence
from uuid import UUID, uuid4

import asyncpg

from notify.adapters import deliveries, read_models
from notify.adapters.calendar import to_ics
from notify.adapters.deliveries import PlannedNotice
from notify.adapters.templates import Renderer
from notify.domain.channels import plan_channels
from notify.domain.notices import NoticeDraft
from notify.domain.preferences import Channel, notice_language


async def plan(
    conn: asyncpg.Connection,
    drafts: Sequence[NoticeDraft],
    *,
    event_id: UUID,
    correlation_id: str,
    renderer: Renderer | None = None,
) -> int:
    """Store each draft with its deliveries (skipping erased recipients and repeats); returns deliveries made.

    Set-based: one statement locks the recipients, one reads who is erased and members' preferences, one writes
    the notices and their deliveries, however many drafts there are.

    With a `renderer`, members' in-app inbox items are written in that same statement (their deliveries stored as
    sent), rendered as the delivery worker would: an inbox item is never held back, so it need not wait for the
    worker's next transaction. Without one, the worker writes them.
    """
    if not drafts:
        return 0
    recipients = {draft.recipient.key for draft in drafts}
    await read_models.lock_recipients(conn, recipients)
    state = await read_models.get_recipients_state(conn, recipients, contacts=renderer is not None)
    planned: list[PlannedNotice] = []
    seen: set[tuple[str, str]] = set()
    for draft in drafts:
        key = (draft.recipient.key, draft.notice_type.value)
        if draft.recipient.key in state.erased or key in seen:
            continue  # an erased recipient gets nothing; a repeat in one event is one notice (the first)
        seen.add(key)
        preferences = state.preferences.get(draft.recipient.ref) if draft.recipient.kind == "member" else None
        channels = plan_channels(draft, preferences)
        inbox = None
        if renderer is not None and Channel.INBOX in channels:
            contact = state.contacts.get(draft.recipient.key)
            language = notice_language(preferences, contact.language if contact else None)
            name = contact.first_name if contact else None
            rendered = renderer.render(draft.notice_type, language, draft.context, name)
            inbox = (rendered.subject, rendered.text)
        planned.append(
            PlannedNotice(
                id=uuid4(),
                draft=draft,
                calendar=to_ics(draft.calendar) if draft.calendar else None,
                channels=[channel.value for channel in channels],
                inbox=inbox,
            )
        )
    return await deliveries.create_notices(conn, planned, event_id=event_id, correlation_id=correlation_id)
