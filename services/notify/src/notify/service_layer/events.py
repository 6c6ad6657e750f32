"""What notify does with each incoming event, inside the event's transaction (inbox dedup included)."""

from collections.abc import Callable, Sequence
from datetime import datetime

from notify.adapters import calendar_holdings, read_models
from notify.adapters.templates import Renderer
from notify.domain import drafts as d
from notify.domain import reminders as r
from notify.domain import scheduling
from notify.domain.notices import NoticeDraft
from notify.service_layer import erasure, reminders
from notify.service_layer.planning import PlanBatch
from notify.settings import NotifySettings
from outreach_shared.calendar import gathering_uid, visit_uid
from outreach_shared.consumer import HandlerContext
from outreach_shared.contracts import ambassadors as a
from outreach_shared.contracts import booking as b
from outreach_shared.contracts import training as t

Clock = Callable[[], datetime]


class EventHandlers:
    """One method per event type; settings give organisers and reminder offsets, the clock gives now, and the
    renderer (when given) writes members' inbox items as their notices are planned."""

    def __init__(self, settings: NotifySettings, clock: Clock, renderer: Renderer | None = None) -> None:
        self._s = settings
        self._now = clock
        self._renderer = renderer

    async def _notify(self, ctx: HandlerContext, drafts: Sequence[NoticeDraft]) -> None:
        """Plan the drafts with the rest of the transaction's, just before it commits; what their calendar parts
        say becomes what each recipient holds."""
        await calendar_holdings.record(ctx.conn, drafts)
        batch = ctx.defer("notify.plan", lambda: PlanBatch(self._renderer))
        batch.add(drafts, event_id=ctx.envelope.event_id, correlation_id=ctx.envelope.correlation_id)

    async def on_member(self, ctx: HandlerContext, p: a.MemberRegistered) -> None:
        """A member's snapshot: keep their contact details, and release notices waiting for them."""
        m = p.member
        key = f"member:{m.member_id}"
        await read_models.upsert_contact(
            ctx.conn,
            recipient=key,
            name=m.name,
            first_name=m.first_name,
            email=str(m.email),
            phone=m.phone,
            language=m.preferred_language,
        )
        await erasure.wake(ctx.conn, key)

    async def on_member_erased(self, ctx: HandlerContext, p: a.MemberErased) -> None:
        """Remove the member's personal data; keep anonymous counts."""
        await erasure.erase(ctx.conn, f"member:{p.member_id}")

    async def on_visit_contact(self, ctx: HandlerContext, p: b.VisitContactShared) -> None:
        """A visit's school contact: keep the details, and release notices waiting for them."""
        key = f"school:{p.visit_id}"
        await read_models.upsert_contact(
            ctx.conn,
            recipient=key,
            name=p.name,
            first_name=p.name.split()[0] if p.name else "",
            email=str(p.email),
            phone=p.phone,
            language=p.language,
        )
        await erasure.wake(ctx.conn, key)

    async def on_visit_contact_erased(self, ctx: HandlerContext, p: b.VisitContactErased) -> None:
        """Remove the school contact's personal data."""
        await erasure.erase(ctx.conn, f"school:{p.visit_id}")

    async def on_offer_made(self, ctx: HandlerContext, p: a.OfferMade) -> None:
        """Offer the visit to the member."""
        await read_models.upsert_visit(
            ctx.conn, d.VisitInfo(p.visit_id, school_name=p.school_name, kind=p.kind, language=p.language)
        )
        await self._notify(ctx, d.offer_made(p))

    async def on_offer_closed(self, ctx: HandlerContext, p: a.OfferExpired | a.OfferWithdrawn) -> None:
        """Tell the member their offer expired or was withdrawn."""
        await self._notify(ctx, d.offer_closed(p, await read_models.get_visit(ctx.conn, p.visit_id)))

    async def on_member_released(self, ctx: HandlerContext, p: a.MemberReleased) -> None:
        """Tell the member they are off the visit, and withdraw their reminders for it."""
        visit = await read_models.get_visit(ctx.conn, p.visit_id)
        holding = await calendar_holdings.get(ctx.conn, visit_uid(p.visit_id), f"member:{p.member_id}")
        await reminders.withdraw_member(ctx.conn, f"visit:{p.visit_id}", p.member_id)
        await self._notify(ctx, d.member_released(p, visit, self._now(), holding))

    async def on_no_team(self, ctx: HandlerContext, p: a.NoTeamAvailable) -> None:
        """Tell the organisers that no team could be found."""
        visit = await read_models.get_visit(ctx.conn, p.visit_id)
        await self._notify(ctx, d.no_team_available(p, visit, self._s.organisers))

    async def on_visit_requested(self, ctx: HandlerContext, p: b.VisitRequested) -> None:
        """Acknowledge the school's request."""
        await read_models.upsert_visit(
            ctx.conn,
            d.VisitInfo(p.visit_id, p.school_name, p.school_address, p.kind, p.language),
        )
        await self._notify(ctx, d.visit_requested(p))

    async def on_visit_confirmed(self, ctx: HandlerContext, p: b.VisitConfirmed) -> None:
        """Send the invitation to the school and the team, and set the reminders."""
        s, now = self._s, self._now()
        info = d.VisitInfo(
            p.visit_id,
            p.school_name,
            p.school_address,
            p.kind,
            p.language,
            p.scheduled.start.isoformat(),
            p.scheduled.end.isoformat(),
            p.calendar_sequence,
        )
        await read_models.upsert_visit(ctx.conn, info)
        await reminders.withdraw_all(ctx.conn, f"visit:{p.visit_id}")
        scheduled = scheduling.visit_reminders(
            p,
            member_offsets=s.member_visit_reminders,
            school_offsets=s.school_visit_reminders,
            thank_you_after=s.thank_you_after,
            now=now,
        )
        await reminders.schedule_all(ctx.conn, r.VISIT_REMINDER, scheduled)
        attendees = [f"school:{p.visit_id}", *(f"member:{m.member_id}" for m in p.team)]
        holdings = await calendar_holdings.get_many(ctx.conn, visit_uid(p.visit_id), attendees)
        await self._notify(ctx, d.visit_confirmed(p, now, holdings))

    async def on_visit_cancelled(self, ctx: HandlerContext, p: b.VisitCancelled) -> None:
        """Tell the school (and organisers if late), and withdraw every reminder of the visit."""
        await self._note_sequence(ctx, p.visit_id, p.calendar_sequence)
        visit = await read_models.get_visit(ctx.conn, p.visit_id)
        school = await calendar_holdings.get(ctx.conn, visit_uid(p.visit_id), f"school:{p.visit_id}")
        await reminders.withdraw_all(ctx.conn, f"visit:{p.visit_id}")
        await self._notify(ctx, d.visit_cancelled(p, visit, self._s.organisers, self._now(), school))

    async def on_visit_rescheduled(self, ctx: HandlerContext, p: b.VisitRescheduled) -> None:
        """The visit has no fixed time any more: withdraw its reminders and tell the school (withdrawing the
        invitation it holds)."""
        await self._note_sequence(ctx, p.visit_id, p.calendar_sequence)
        school = await calendar_holdings.get(ctx.conn, visit_uid(p.visit_id), f"school:{p.visit_id}")
        await reminders.withdraw_all(ctx.conn, f"visit:{p.visit_id}")
        await read_models.clear_visit_time(ctx.conn, p.visit_id)
        await self._notify(ctx, d.visit_rescheduled(p, school))

    @staticmethod
    async def _note_sequence(ctx: HandlerContext, visit_id: str, sequence: int | None) -> None:
        """Remember booking's latest SEQUENCE of the visit's calendar event (a member released later is sent a
        CANCEL with at least it)."""
        if sequence is not None:
            await read_models.upsert_visit(ctx.conn, d.VisitInfo(visit_id, sequence=sequence))

    async def on_visit_unfulfilled(self, ctx: HandlerContext, p: b.VisitUnfulfilled) -> None:
        """Tell the school that no team is available; a confirmed visit that lost a member nobody replaced also
        loses its reminders and the invitation the school holds (the team's CANCELs go with member_released)."""
        await self._note_sequence(ctx, p.visit_id, p.calendar_sequence)
        visit = await read_models.get_visit(ctx.conn, p.visit_id)
        school = None
        if p.scheduled is not None:
            school = await calendar_holdings.get(ctx.conn, visit_uid(p.visit_id), f"school:{p.visit_id}")
            await reminders.withdraw_all(ctx.conn, f"visit:{p.visit_id}")
        await self._notify(ctx, d.visit_unfulfilled(p, visit, school))

    async def on_gathering_published(self, ctx: HandlerContext, p: t.GatheringPublished) -> None:
        """Remember the gathering's title for later notices."""
        await read_models.upsert_gathering(ctx.conn, p.gathering_id, p.title)

    async def on_gathering_member(self, ctx: HandlerContext, p: d.GatheringMemberEvent) -> None:
        """Invitations, reminders to answer, waiting list, place offers and lapses: one notice each."""
        title = getattr(p, "title", None)
        if title:
            await read_models.upsert_gathering(ctx.conn, p.gathering_id, title)
        else:
            title = await read_models.gathering_title(ctx.conn, p.gathering_id)
        await self._notify(ctx, d.gathering_notice(p, title))

    async def on_registration_confirmed(self, ctx: HandlerContext, p: t.RegistrationConfirmed) -> None:
        """Confirm the registration with the gathering's invitation, and set the gathering reminders."""
        await read_models.upsert_gathering(ctx.conn, p.gathering_id, p.title)
        holding = await calendar_holdings.get(ctx.conn, gathering_uid(p.gathering_id), f"member:{p.member_id}")
        await self._notify(ctx, d.registration_confirmed(p, holding))
        scheduled = scheduling.gathering_reminders(p, self._s.gathering_reminders, self._now())
        await reminders.schedule_all(ctx.conn, r.GATHERING_REMINDER, scheduled)

    async def on_registration_withdrawn(self, ctx: HandlerContext, p: t.RegistrationWithdrawn) -> None:
        """Withdraw the member's gathering reminders, and the invitation they hold."""
        await reminders.withdraw_member(ctx.conn, f"gathering:{p.gathering_id}", p.member_id)
        holding = await calendar_holdings.get(ctx.conn, gathering_uid(p.gathering_id), f"member:{p.member_id}")
        title = await read_models.gathering_title(ctx.conn, p.gathering_id)
        await self._notify(ctx, d.registration_withdrawn(p, title, holding))

    async def on_gathering_cancelled(self, ctx: HandlerContext, p: t.GatheringCancelled) -> None:
        """Tell every registered or waiting member, and withdraw all the gathering's reminders."""
        await reminders.withdraw_all(ctx.conn, f"gathering:{p.gathering_id}")
        members = [f"member:{m}" for m in p.member_ids]
        holdings = await calendar_holdings.get_many(ctx.conn, gathering_uid(p.gathering_id), members)
        await self._notify(ctx, d.gathering_cancelled(p, holdings))
