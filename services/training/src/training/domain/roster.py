"""The local read model of the roster: only what invitations need."""

from dataclasses import dataclass

from outreach_shared.contracts.common import Profession


@dataclass(frozen=True)
class RosterMember:
    """A member as this service knows them: no name, e-mail or phone (notify holds those)."""

    member_id: str
    profession: Profession
    county: str
    active: bool
