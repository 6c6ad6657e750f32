"""Who a signed-in person may be: a member (on the roster), an organiser (on the allow-list, with a scope) or a
school contact (tied to one school). One person (one e-mail address) may hold several accounts."""

from dataclasses import dataclass
from typing import Literal

from outreach_shared.auth import Role
from outreach_shared.regions import NATIONAL, Region

ContactVia = Literal["invitation", "approval", "feide"]


@dataclass(frozen=True)
class Account:
    """One way a person may act: the role, whom it acts for (member id, orgnr, organiser id) and an organiser's
    scope. It is what a session holds and what the access tokens it gets say."""

    role: Role
    subject: str
    region: Region = NATIONAL

    @property
    def key(self) -> str:
        """A stable text naming the account, e.g. `school:974760673` (for choosing among several, and logs)."""
        return f"{self.role}:{self.subject}"

    def describe(self) -> str:
        """For people: `organiser (national)`, `school 974760673`, `member`."""
        if self.role == "organiser":
            return f"organiser ({self.region.describe()})"
        return f"school {self.subject}" if self.role == "school" else "member"
