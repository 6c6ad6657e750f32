"""Request and response models of the support sign-in links."""

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from outreach_shared.errors import Invalid
from outreach_shared.regions import Region, UnknownArea
from portal.domain.accounts import Account

ORGNR = r"^[0-9]{9}$"
UUID_TEXT = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class SignInLinkIn(BaseModel):
    """Whom the link signs in as: an organiser (national, or limited to counties and municipalities), a school
    (`subject`: its orgnr) or a member (`subject`: the member id)."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["organiser", "school", "member"]
    subject: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$",
                                description="A school's orgnr (9 digits) or a member's id (UUID); none for an "
                                "organiser")  # fmt: skip
    fylker: list[str] = Field(default_factory=list, max_length=20, description="Counties (2 digits), organisers only")
    kommuner: list[str] = Field(default_factory=list, max_length=400,
                                description="Municipalities (4 digits), organisers only")  # fmt: skip

    def account(self) -> Account:
        """The account the link signs in as (422 naming the field that does not fit the role)."""
        if self.role != "organiser" and (self.fylker or self.kommuner):
            raise Invalid("only an organiser has a region", field="fylker" if self.fylker else "kommuner")
        if self.role == "organiser":
            if self.subject is not None:
                raise Invalid("an organiser's link names no subject", field="subject")
            try:
                region = Region.of([f[:4] for f in self.fylker], [k[:6] for k in self.kommuner])
            except UnknownArea as exc:
                raise Invalid(str(exc), field="kommuner" if "kommune" in str(exc) else "fylker") from None
            return Account("organiser", "organiser", region)
        pattern = ORGNR if self.role == "school" else UUID_TEXT
        if self.subject is None or not re.fullmatch(pattern, self.subject):
            what = "an orgnr of 9 digits" if self.role == "school" else "a member id (UUID)"
            raise Invalid(f"a {self.role}'s link needs {what}", field="subject")
        return Account(self.role, self.subject.lower())


class SignInLinkOut(BaseModel):
    """A single-use sign-in link and when it stops working."""

    url: str
    expires_at: datetime
