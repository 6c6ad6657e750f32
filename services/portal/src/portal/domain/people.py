"""The organisers' allow-list and schools' contacts as the national organisers keep them."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from outreach_shared.errors import DomainError
from outreach_shared.regions import Region
from portal.domain.accounts import Account, ContactVia

RequestStatus = Literal["pending", "approved", "rejected"]


@dataclass(frozen=True)
class Organiser:
    """An organiser on the allow-list, with a scope (national, or counties and municipalities)."""

    organiser_id: str
    email: str
    region: Region
    added_at: datetime

    @property
    def account(self) -> Account:
        """The account signing in with this address gives."""
        return Account("organiser", self.organiser_id, self.region)


@dataclass(frozen=True)
class SchoolContact:
    """A person tied to one school."""

    contact_id: str
    orgnr: str
    email: str
    via: ContactVia
    added_at: datetime

    @property
    def account(self) -> Account:
        """The account signing in with this address gives."""
        return Account("school", self.orgnr)


@dataclass(frozen=True)
class ContactRequest:
    """Someone asking to become a school's contact; nobody is one until an organiser approves."""

    request_id: str
    orgnr: str
    email: str
    message: str
    status: RequestStatus
    asked_at: datetime


class AlreadyListed(Exception):
    """The address is on the allow-list already (or is the school's contact already)."""


class TooManyRequests(DomainError):
    """Too many requests from one client address within the hour."""

    status = 429
    title = "Too many requests"


REQUESTS_PER_CLIENT_PER_HOUR = 10
"""Requests to become a school's contact one client address may make in an hour."""
