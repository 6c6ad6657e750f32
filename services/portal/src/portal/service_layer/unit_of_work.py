"""The portal's unit of work: its repositories over one transaction."""

import asyncpg

from outreach_shared.skeleton import Scope, UnitOfWork
from portal.adapters.accounts import AccountDirectory
from portal.adapters.audit import AuditLog
from portal.adapters.clients import ApiClients
from portal.adapters.identities import IdentityLinks, OidcLogins
from portal.adapters.keys import KeyRing
from portal.adapters.members import MemberDirectory
from portal.adapters.people import OrganiserList, SchoolContacts
from portal.adapters.rate_limits import RequestCounter
from portal.adapters.sessions import SessionStore
from portal.adapters.signin_links import SignInLinks
from portal.domain.rotation import KeyPolicy
from portal.service_layer.config import SignInConfig


class PortalUnit(UnitOfWork):
    """One transaction of the portal."""

    def __init__(
        self,
        conn: asyncpg.Connection,
        scope: Scope,
        *,
        signin: SignInConfig | None = None,
        key_policy: KeyPolicy | None = None,
    ) -> None:
        super().__init__(conn, scope)
        self.signin = signin or SignInConfig()
        self.key_policy = key_policy or KeyPolicy()
        """How often the signing key rotates, and how long a successor is published before it signs."""
        self.sessions = SessionStore(conn)
        self.signin_links = SignInLinks(conn)
        self.signin_requests = RequestCounter(conn)
        self.members = MemberDirectory(conn)
        self.accounts = AccountDirectory(conn)
        self.keys = KeyRing(conn)
        self.identities = IdentityLinks(conn)
        self.oidc_logins = OidcLogins(conn)
        self.audit = AuditLog(conn)
        self.clients = ApiClients(conn)
        self.organisers = OrganiserList(conn)
        self.contacts = SchoolContacts(conn)
