"""What notify knows of a recipient: how to reach them, whether they were erased, their preferences."""

from dataclasses import dataclass, field

from notify.domain.notices import Recipient
from notify.domain.preferences import Preferences


@dataclass(frozen=True)
class Contact:
    """How to reach a member or a school contact."""

    recipient: Recipient
    name: str | None
    first_name: str | None
    email: str | None
    phone: str | None
    language: str


@dataclass(frozen=True)
class RecipientsState:
    """What planning and delivery need to know of a set of recipients: who was erased, members' preferences and
    (when asked for) how to reach them."""

    erased: frozenset[Recipient]
    preferences: dict[str, Preferences]
    """By member id; members who never set any are absent."""
    contacts: dict[Recipient, Contact] = field(default_factory=dict)
    """Only when asked for, and only those known."""
