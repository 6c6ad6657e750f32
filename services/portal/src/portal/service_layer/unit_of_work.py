"""The portal's unit of work: its repositories over one transaction."""

import asyncpg

from outreach_shared.skeleton import Scope, UnitOfWork
from portal.adapters.accounts import AccountDirectory
from portal.adapters.keys import KeyRing
from portal.adapters.members import MemberDirectory


class PortalUnit(UnitOfWork):
    """One transaction of the portal."""

    def __init__(self, conn: asyncpg.Connection, scope: Scope) -> None:
        super().__init__(conn, scope)
        self.members = MemberDirectory(conn)
        self.accounts = AccountDirectory(conn)
        self.keys = KeyRing(conn)
