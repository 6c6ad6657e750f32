"""What notify does with each incoming event and timer, in its transaction (inbox dedup included)."""

from typing import TypeAlias

from notify.domain import drafts as d
from notify.domain import reminders as r
from notify.domain import scheduling
from notify.domain.notices import Recipient
from notify.domain.recipients import Contact
from notify.domain.sign_in import sign_in_link
from notify.service_layer import digest, erasure, reminders
from notify.service_layer.feedback import on_feedback_reminder_due, on_feedback_requested
from notify.service_layer.planning import plan_with_the_batch as notify
from notify.service_layer.unit_of_work import NotifyUnit
from outreach_shared.calendar import gathering_uid, visit_uid
from outreach_shared.contracts import ambassadors as a
from outreach_shared.contracts import booking as b
from outreach_shared.contracts import portal
from outreach_shared.contracts import training as t
from outreach_shared.skeleton import Registry

MemberSnapshotEvent: TypeAlias = a.MemberRegistered | a.MemberUpdated | a.MemberDeactivated | a.MemberReactivated


async def on_member(uow: NotifyUnit, p: MemberSnapshotEvent) -> None:
    """A member's snapshot: keep their contact details, and release notices waiting for them."""
    m = p.member
    who = Recipient.member(m.member_id)
    await uow.read_models.upsert_contact(Contact(who, m.name, m.first_name, str(m.email), m.phone,
                                                 m.preferred_language))  # fmt: skip
    await erasure.wake(uow, who)


async def on_member_erased(uow: NotifyUnit, p: a.MemberErased) -> None:
    """Remove the member's personal data; keep anonymous counts."""
    await erasure.erase(uow, Recipient.member(p.member_id))


async def on_visit_contact(uow: NotifyUnit, p: b.VisitContactShared) -> None:
    """A visit's school contact: keep the details, and release notices waiting for them."""
    who = Recipient.school(p.visit_id)
    first_name = p.name.split()[0] if p.name else ""
    await uow.read_models.upsert_contact(Contact(who, p.name, first_name, str(p.email), p.phone, p.language))
    await erasure.wake(uow, who)


async def on_visit_contact_erased(uow: NotifyUnit, p: b.VisitContactErased) -> None:
    """Remove the school contact's personal data."""
    await erasure.erase(uow, Recipient.school(p.visit_id))


async def on_offer_made(uow: NotifyUnit, p: a.OfferMade) -> None:
    """Offer the visit to the member."""
    await uow.read_models.upsert_visit(
        d.VisitInfo(p.visit_id, school_name=p.school_name, kind=p.kind, language=p.language)
    )
    await notify(uow, d.offer_made(p))


async def on_offer_closed(uow: NotifyUnit, p: a.OfferExpired | a.OfferWithdrawn) -> None:
    """Tell the member their offer expired or was withdrawn (the organisers, when a member withdrew late)."""
    await notify(uow, d.offer_closed(p, await uow.read_models.get_visit(p.visit_id), uow.config.organisers))


async def on_member_released(uow: NotifyUnit, p: a.MemberReleased) -> None:
    """Tell the member they are off the visit, and withdraw their reminders for it."""
    member = Recipient.member(p.member_id)
    visit = await uow.read_models.get_visit(p.visit_id)
    holding = await uow.holdings.get(visit_uid(p.visit_id), member)
    await reminders.withdraw_member(uow, f"visit:{p.visit_id}", member)
    await notify(uow, d.member_released(p, visit, uow.now, holding))


async def on_no_team(uow: NotifyUnit, p: a.NoTeamAvailable) -> None:
    """Tell the organisers that no team could be found."""
    visit = await uow.read_models.get_visit(p.visit_id)
    await notify(uow, d.no_team_available(p, visit, uow.config.organisers))


async def _place(uow: NotifyUnit, p: b.VisitRequested | b.VisitConfirmed) -> None:
    """Remember the visit's school (orgnr) and kommune: the school's and the region's calendar feeds show it."""
    await uow.feeds.place_visit(visit_id=p.visit_id, uid=visit_uid(p.visit_id), school=Recipient.school(p.visit_id).key,
                                orgnr=p.orgnr, kommune=p.kommunenummer)  # fmt: skip


async def on_visit_requested(uow: NotifyUnit, p: b.VisitRequested) -> None:
    """Acknowledge the school's request."""
    await _place(uow, p)
    await uow.read_models.upsert_visit(
        d.VisitInfo(p.visit_id, p.school_name, p.school_address, p.kind, p.language)
    )
    await notify(uow, d.visit_requested(p))


async def with_first_names(uow: NotifyUnit, p: b.VisitConfirmed) -> b.VisitConfirmed:
    """The confirmation with its team's first names from the members notify keeps (events carry member ids only)."""
    names = await uow.read_models.first_names([Recipient.member(m.member_id) for m in p.team])
    team = [m.model_copy(update={"first_name": names.get(Recipient.member(m.member_id))}) for m in p.team]
    return p.model_copy(update={"team": team})


async def on_visit_confirmed(uow: NotifyUnit, p: b.VisitConfirmed) -> None:
    """Send the invitation to the school and the team, and set the reminders."""
    p = await with_first_names(uow, p)
    config = uow.config
    await _place(uow, p)
    await uow.read_models.upsert_visit(d.VisitInfo(
        p.visit_id, p.school_name, p.school_address, p.kind, p.language, p.scheduled.start.isoformat(),
        p.scheduled.end.isoformat(), p.calendar_sequence,
    ))  # fmt: skip
    await reminders.withdraw_all(uow, f"visit:{p.visit_id}")
    scheduled = scheduling.visit_reminders(
        p,
        member_offsets=config.member_visit_reminders,
        school_offsets=config.school_visit_reminders,
        thank_you_after=config.thank_you_after,
        now=uow.now,
    )
    await reminders.schedule_all(uow, r.VISIT_REMINDER, scheduled)
    attendees = [Recipient.school(p.visit_id), *(Recipient.member(m.member_id) for m in p.team)]
    holdings = await uow.holdings.get_many(visit_uid(p.visit_id), attendees)
    await notify(uow, d.visit_confirmed(p, uow.now, holdings))


async def on_visit_cancelled(uow: NotifyUnit, p: b.VisitCancelled) -> None:
    """Tell the school (and organisers if late), and withdraw every reminder of the visit."""
    await _note_sequence(uow, p.visit_id, p.calendar_sequence)
    visit = await uow.read_models.get_visit(p.visit_id)
    school = await uow.holdings.get(visit_uid(p.visit_id), Recipient.school(p.visit_id))
    await reminders.withdraw_all(uow, f"visit:{p.visit_id}")
    await notify(uow, d.visit_cancelled(p, visit, uow.config.organisers, uow.now, school))


async def on_visit_rescheduled(uow: NotifyUnit, p: b.VisitRescheduled) -> None:
    """The visit has no fixed time any more: withdraw its reminders and tell the school (withdrawing the
    invitation it holds)."""
    await _note_sequence(uow, p.visit_id, p.calendar_sequence)
    school = await uow.holdings.get(visit_uid(p.visit_id), Recipient.school(p.visit_id))
    await reminders.withdraw_all(uow, f"visit:{p.visit_id}")
    await uow.read_models.clear_visit_time(p.visit_id)
    await notify(uow, d.visit_rescheduled(p, school))


async def _note_sequence(uow: NotifyUnit, visit_id: str, sequence: int | None) -> None:
    """Remember booking's latest SEQUENCE of the visit's calendar event (a member released later is sent a CANCEL
    with at least it)."""
    if sequence is not None:
        await uow.read_models.upsert_visit(d.VisitInfo(visit_id, sequence=sequence))


async def on_visit_unfulfilled(uow: NotifyUnit, p: b.VisitUnfulfilled) -> None:
    """Tell the school that no team is available; a confirmed visit that lost a member nobody replaced also loses
    its reminders and the invitation the school holds (the team's CANCELs go with member_released)."""
    await _note_sequence(uow, p.visit_id, p.calendar_sequence)
    visit = await uow.read_models.get_visit(p.visit_id)
    school = None
    if p.scheduled is not None:
        school = await uow.holdings.get(visit_uid(p.visit_id), Recipient.school(p.visit_id))
        await reminders.withdraw_all(uow, f"visit:{p.visit_id}")
    await notify(uow, d.visit_unfulfilled(p, visit, school))


async def on_gathering_published(uow: NotifyUnit, p: t.GatheringPublished) -> None:
    """Remember the gathering's title for later notices."""
    await uow.read_models.upsert_gathering(p.gathering_id, p.title)


async def on_gathering_member(uow: NotifyUnit, p: d.GatheringMemberEvent) -> None:
    """Invitations, reminders to answer, waiting list, place offers and lapses: one notice each."""
    title = getattr(p, "title", None)
    if title:
        await uow.read_models.upsert_gathering(p.gathering_id, title)
    else:
        title = await uow.read_models.gathering_title(p.gathering_id)
    await notify(uow, d.gathering_notice(p, title))


async def on_registration_confirmed(uow: NotifyUnit, p: t.RegistrationConfirmed) -> None:
    """Confirm the registration with the gathering's invitation, and set the gathering reminders."""
    await uow.read_models.upsert_gathering(p.gathering_id, p.title)
    holding = await uow.holdings.get(gathering_uid(p.gathering_id), Recipient.member(p.member_id))
    await notify(uow, d.registration_confirmed(p, holding))
    scheduled = scheduling.gathering_reminders(p, uow.config.gathering_reminders, uow.now)
    await reminders.schedule_all(uow, r.GATHERING_REMINDER, scheduled)


async def on_registration_withdrawn(uow: NotifyUnit, p: t.RegistrationWithdrawn) -> None:
    """Withdraw the member's gathering reminders, and the invitation they hold."""
    member = Recipient.member(p.member_id)
    await reminders.withdraw_member(uow, f"gathering:{p.gathering_id}", member)
    holding = await uow.holdings.get(gathering_uid(p.gathering_id), member)
    title = await uow.read_models.gathering_title(p.gathering_id)
    await notify(uow, d.registration_withdrawn(p, title, holding))


async def on_gathering_cancelled(uow: NotifyUnit, p: t.GatheringCancelled) -> None:
    """Tell every registered or waiting member, and withdraw all the gathering's reminders."""
    await reminders.withdraw_all(uow, f"gathering:{p.gathering_id}")
    members = [Recipient.member(m) for m in p.member_ids]
    holdings = await uow.holdings.get_many(gathering_uid(p.gathering_id), members)
    await notify(uow, d.gathering_cancelled(p, holdings))


async def on_sign_in_link_requested(uow: NotifyUnit, event: portal.SignInLinkRequested) -> None:
    """Mail the sign-in link to the address it was asked for."""
    await notify(uow, sign_in_link(event))


SIGN_IN_EVENTS = (portal.SignInLinkRequested,)
"""Sign-in links have a consumer of their own: a person waiting at the sign-in page never waits behind a fan-out."""

CONTACT_EVENTS = (a.MemberRegistered, a.MemberUpdated, a.MemberDeactivated, a.MemberReactivated, a.MemberErased,
                  b.VisitContactShared, b.VisitContactErased)  # fmt: skip
"""Contacts are first-class: a consumer of their own, so notices never wait behind them (nor they behind notices)."""

REGISTRY: Registry[NotifyUnit] = Registry(
    events={
        a.MemberRegistered: on_member,
        a.MemberUpdated: on_member,
        a.MemberDeactivated: on_member,
        a.MemberReactivated: on_member,
        a.MemberErased: on_member_erased,
        b.VisitContactShared: on_visit_contact,
        b.VisitContactErased: on_visit_contact_erased,
        a.OfferMade: on_offer_made,
        a.OfferExpired: on_offer_closed,
        a.OfferWithdrawn: on_offer_closed,
        a.MemberReleased: on_member_released,
        a.NoTeamAvailable: on_no_team,
        b.VisitRequested: on_visit_requested,
        b.VisitConfirmed: on_visit_confirmed,
        b.VisitCancelled: on_visit_cancelled,
        b.VisitRescheduled: on_visit_rescheduled,
        b.VisitUnfulfilled: on_visit_unfulfilled,
        b.VisitFeedbackRequested: on_feedback_requested,
        b.VisitFeedbackReminderDue: on_feedback_reminder_due,
        t.GatheringPublished: on_gathering_published,
        t.InvitationIssued: on_gathering_member,
        t.InvitationReminder: on_gathering_member,
        t.RegistrationConfirmed: on_registration_confirmed,
        t.RegistrationWaitlisted: on_gathering_member,
        t.PlaceOffered: on_gathering_member,
        t.PlaceOfferLapsed: on_gathering_member,
        t.RegistrationWithdrawn: on_registration_withdrawn,
        t.GatheringCancelled: on_gathering_cancelled,
        portal.SignInLinkRequested: on_sign_in_link_requested,
    },
    timers={r.VISIT_REMINDER: reminders.fire, r.GATHERING_REMINDER: reminders.fire, r.DIGEST: digest.send_digest},
)
