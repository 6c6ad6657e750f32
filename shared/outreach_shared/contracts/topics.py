"""Topic names and how each topic is configured."""

from dataclasses import dataclass


@dataclass(frozen=True)
class TopicSpec:
    """A Kafka topic: its name, partition count and whether it is log-compacted."""

    name: str
    partitions: int = 3
    compacted: bool = False
    retention_days: int | None = None
    """How long records are kept (None: the broker's default)."""


class Topics:
    """Every topic the services talk through. Keys are aggregate ids, so order per aggregate holds."""

    VISITS = "outreach.visits"
    """booking -> ambassadors, notify: a visit's lifecycle, keyed by visit id."""
    VISIT_CONTACTS = "outreach.visit-contacts"
    """booking -> notify: the school contact of a visit (personal data), compacted, keyed by visit id."""
    MEMBERS = "outreach.members"
    """ambassadors -> training, notify: roster snapshots (personal data), compacted, keyed by member id."""
    OFFERS = "outreach.offers"
    """ambassadors -> booking, notify: offers, answers and teams, keyed by visit id."""
    GATHERINGS = "outreach.gatherings"
    """training -> notify, ambassadors: gatherings, invitations, registrations, keyed by gathering id."""
    NOTIFICATIONS = "outreach.notifications"
    """notify -> anyone: delivery outcomes, keyed by notification id."""
    SIGN_IN = "outreach.sign-in"
    """portal -> notify: sign-in links to mail (personal data and a secret), kept one day, keyed by a random id."""
    DEAD_LETTERS = "outreach.dead-letters"
    """every consumer -> operators: messages that could not be handled, with the reason in headers."""


ALL_TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(Topics.VISITS),
    TopicSpec(Topics.VISIT_CONTACTS, compacted=True),
    TopicSpec(Topics.MEMBERS, compacted=True),
    TopicSpec(Topics.OFFERS),
    TopicSpec(Topics.GATHERINGS),
    TopicSpec(Topics.NOTIFICATIONS),
    # A sign-in link is worth nothing after 15 minutes; its address and secret are not kept longer than a day.
    TopicSpec(Topics.SIGN_IN, retention_days=1),
    # Dead letters keep raw records, possibly with personal data: kept long enough to fix and replay, not forever.
    TopicSpec(Topics.DEAD_LETTERS, partitions=1, retention_days=14),
)
