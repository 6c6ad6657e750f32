"""Turn notice drafts into stored notices and one delivery per channel, exactly once per event."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID, uuid4

import asyncpg

from notify.domain.channels import plan_channels
from notify.domain.deliveries import PlannedNotice
from notify.domain.notices import NoticeDraft
from notify.domain.preferences import Channel, notice_language
from notify.service_layer.unit_of_work import NotifyUnit
from outreach_shared.calendar import to_ics
from outreach_shared.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class EventDrafts:
    """The drafts one event (or timer) caused, with its id and correlation id."""

    drafts: Sequence[NoticeDraft]
    event_id: UUID
    correlation_id: str


async def plan(uow: NotifyUnit, drafts: Sequence[NoticeDraft], *, event_id: UUID, correlation_id: str) -> int:
    """Store one event's drafts with their deliveries (see `plan_all`); returns deliveries made."""
    return await plan_all(uow, [EventDrafts(drafts, event_id, correlation_id)])


async def plan_all(uow: NotifyUnit, events: Sequence[EventDrafts]) -> int:
    """Store each event's drafts with their deliveries (skipping erased recipients and repeats within an event);
    returns deliveries made.

    Set-based: one statement locks the recipients, one reads who is erased and members' preferences, one writes
    the notices and their deliveries, however many drafts and events there are.

    With the unit's renderer, members' in-app inbox items are written in that same statement (their deliveries
    stored as sent), rendered as the delivery worker would: an inbox item is never held back, so it need not wait
    for the worker's next transaction. Without one, the worker writes them.
    """
    if not any(e.drafts for e in events):
        return 0
    renderer = uow.renderer
    recipients = {draft.recipient for e in events for draft in e.drafts}
    await uow.read_models.lock_recipients(recipients)
    state = await uow.read_models.get_recipients_state(recipients, contacts=renderer is not None)
    planned: list[PlannedNotice] = []
    seen: set[tuple[UUID, str, str]] = set()
    for event in events:
        for draft in event.drafts:
            key = (event.event_id, draft.recipient.key, draft.notice_type.value)
            if draft.recipient in state.erased or key in seen:
                continue  # an erased recipient gets nothing; a repeat in one event is one notice (the first)
            seen.add(key)
            preferences = state.preferences.get(draft.recipient.ref) if draft.recipient.kind == "member" else None
            channels = plan_channels(draft, preferences)
            inbox = None
            if renderer is not None and Channel.INBOX in channels:
                contact = state.contacts.get(draft.recipient)
                language = notice_language(preferences, contact.language if contact else None)
                name = contact.first_name if contact else None
                try:
                    rendered = renderer.render(draft.notice_type, language, draft.context, name)
                    inbox = (rendered.subject, rendered.text)
                except Exception as exc:  # noqa: BLE001 - rendering does no I/O: whatever it raises is the notice's
                    # The inbox loop renders it again and sets it aside with the reason, in the delivery log; the
                    # other notices of the event (and of the batch) are planned all the same.
                    log.warning("inbox item left to the delivery worker", error=type(exc).__name__)
            planned.append(
                PlannedNotice(
                    id=uuid4(),
                    event_id=event.event_id,
                    correlation_id=event.correlation_id,
                    draft=draft,
                    calendar=to_ics(draft.calendar, now=uow.now, invitation=True) if draft.calendar else None,
                    channels=[channel.value for channel in channels],
                    inbox=inbox,
                )
            )
    return await uow.deliveries.create_notices(planned)


class PlanBatch:
    """The drafts of a consumer transaction's events, planned together just before it commits (one set of
    statements for a whole batch of events instead of one per event)."""

    def __init__(self, uow: NotifyUnit) -> None:
        self._uow = uow  # the batch's first unit: every unit of the transaction shares its connection
        self._events: list[EventDrafts] = []

    def add(self, drafts: Sequence[NoticeDraft], *, event_id: UUID, correlation_id: str) -> None:
        """Plan these drafts with the rest of the transaction's."""
        if drafts:
            self._events.append(EventDrafts(drafts, event_id, correlation_id))

    async def flush(self, conn: asyncpg.Connection) -> None:
        """Plan every gathered event's drafts."""
        events, self._events = self._events, []
        await plan_all(self._uow, events)


async def plan_with_the_batch(uow: NotifyUnit, drafts: Sequence[NoticeDraft]) -> None:
    """Plan the drafts with the rest of the transaction's, just before it commits; what their calendar parts say
    becomes what each recipient holds."""
    await uow.holdings.record(drafts, at=uow.now)
    batch = uow.defer("notify.plan", lambda: PlanBatch(uow))
    batch.add(drafts, event_id=uow.event_id, correlation_id=uow.correlation_id)
