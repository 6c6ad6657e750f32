"""Which handler takes which event, per subscription."""

from notify.service_layer.events import EventHandlers
from outreach_shared.consumer import Handler
from outreach_shared.contracts import Topics
from outreach_shared.runtime import Subscription


def subscriptions(h: EventHandlers) -> list[Subscription]:
    """Contacts first-class (their own consumer), notices from visits, offers and gatherings."""
    contacts: dict[str, Handler] = {
        "member.registered": h.on_member,
        "member.updated": h.on_member,
        "member.deactivated": h.on_member,
        "member.reactivated": h.on_member,
        "member.erased": h.on_member_erased,
        "visit-contact.shared": h.on_visit_contact,
        "visit-contact.erased": h.on_visit_contact_erased,
    }
    notices: dict[str, Handler] = {
        "offer.made": h.on_offer_made,
        "offer.expired": h.on_offer_closed,
        "offer.withdrawn": h.on_offer_closed,
        "team.member-released": h.on_member_released,
        "team.none-available": h.on_no_team,
        "visit.requested": h.on_visit_requested,
        "visit.confirmed": h.on_visit_confirmed,
        "visit.cancelled": h.on_visit_cancelled,
        "visit.rescheduled": h.on_visit_rescheduled,
        "visit.unfulfilled": h.on_visit_unfulfilled,
        "gathering.published": h.on_gathering_published,
        "gathering.invitation-issued": h.on_gathering_member,
        "gathering.invitation-reminder": h.on_gathering_member,
        "gathering.registration-confirmed": h.on_registration_confirmed,
        "gathering.registration-waitlisted": h.on_gathering_member,
        "gathering.place-offered": h.on_gathering_member,
        "gathering.place-offer-lapsed": h.on_gathering_member,
        "gathering.registration-withdrawn": h.on_registration_withdrawn,
        "gathering.cancelled": h.on_gathering_cancelled,
    }
    return [
        Subscription("notify-contacts", [Topics.MEMBERS, Topics.VISIT_CONTACTS], contacts),
        Subscription("notify", [Topics.OFFERS, Topics.VISITS, Topics.GATHERINGS], notices),
    ]
