"""A member as sign-in knows them: an id, an e-mail address, whether they are on the active roster, and the language
they prefer (the pages' language when they have not picked one in the switcher)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RosterMember:
    """Someone on the roster who may sign in as a member while active."""

    member_id: str
    email: str
    active: bool
    language: str | None = None


def same_address(a: str, b: str) -> bool:
    """E-mail addresses compared as people type them: case and surrounding blanks do not matter."""
    return a.strip().casefold() == b.strip().casefold()
