"""Request and response models of who may be what: organisers, schools' contacts, requests to become one."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from portal.domain.identities import orgnr_from
from portal.domain.people import ContactRequest, Organiser, RequestStatus, SchoolContact

County = Annotated[str, Field(pattern=r"^[0-9]{2}$")]
Municipality = Annotated[str, Field(pattern=r"^[0-9]{4}$")]


class ScopeIn(BaseModel):
    """An organiser's scope: national when both lists are empty."""

    model_config = ConfigDict(extra="forbid")

    fylker: list[County] = Field(default_factory=list, max_length=20, description="County numbers, e.g. '50'")
    kommuner: list[Municipality] = Field(default_factory=list, max_length=400,
                                         description="Municipality numbers, e.g. '5001'")  # fmt: skip


class OrganiserIn(ScopeIn):
    """An address to put on the allow-list, with its scope."""

    email: EmailStr = Field(max_length=254)


class OrganiserOut(BaseModel):
    """An organiser on the allow-list."""

    organiser_id: str
    email: str
    fylker: list[str]
    kommuner: list[str]
    added_at: datetime

    @classmethod
    def of(cls, organiser: Organiser) -> "OrganiserOut":
        """The organiser as shown."""
        return cls(organiser_id=organiser.organiser_id, email=organiser.email, fylker=sorted(organiser.region.fylker),
                   kommuner=sorted(organiser.region.kommuner), added_at=organiser.added_at)  # fmt: skip


class ContactIn(BaseModel):
    """An address to make a school's contact."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=254)


class ContactOut(BaseModel):
    """A school's contact."""

    contact_id: str
    orgnr: str
    email: str
    via: str = Field(description="invitation, approval or feide")
    added_at: datetime

    @classmethod
    def of(cls, contact: SchoolContact) -> "ContactOut":
        """The contact as shown."""
        return cls(contact_id=contact.contact_id, orgnr=contact.orgnr, email=contact.email, via=contact.via,
                   added_at=contact.added_at)  # fmt: skip


class ContactRequestIn(BaseModel):
    """A person asking to become a school's contact."""

    model_config = ConfigDict(extra="forbid")

    orgnr: str = Field(pattern=r"^[0-9]{9}$", description="The school's organisation number (check digit checked)")
    email: EmailStr = Field(max_length=254)
    message: str = Field(default="", max_length=1000, pattern=r"^[^\x00]*$")

    @field_validator("orgnr")
    @classmethod
    def _check_digit(cls, value: str) -> str:
        if orgnr_from(value) is None:
            raise ValueError("not a valid organisation number (check digit)")
        return value


class ContactRequestReceived(BaseModel):
    """A request was received; the answer is the same whatever the school or the address."""

    status: Literal["received"] = "received"


class ContactRequestOut(BaseModel):
    """A request to become a school's contact."""

    request_id: str
    orgnr: str
    email: str
    message: str
    status: RequestStatus
    asked_at: datetime

    @classmethod
    def of(cls, asked: ContactRequest) -> "ContactRequestOut":
        """The request as shown to organisers."""
        return cls(request_id=asked.request_id, orgnr=asked.orgnr, email=asked.email, message=asked.message,
                   status=asked.status, asked_at=asked.asked_at)  # fmt: skip
