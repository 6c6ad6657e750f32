"""Idempotent provisioning of one PostgreSQL role + schema per service (the topics: outreach_shared.topic_admin)."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from outreach_shared.topic_admin import COMPACTED_TOPIC_CONFIG, ensure_topics

__all__ = ["COMPACTED_TOPIC_CONFIG", "ensure_topics", "provision_service_database", "service_dsn"]


log = logging.getLogger(__name__)

_SERVICE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_LOCK_KEY = 0x6F757472  # advisory lock serialising concurrent provisioning ("outr")


def service_dsn(admin_dsn: str, user: str, password: str) -> str:
    """Return `admin_dsn` with its credentials replaced by `user` and `password`."""
    parts = urlsplit(admin_dsn)
    host = parts.hostname or "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


async def _ddl(conn: asyncpg.Connection, template: str, *args: str) -> None:
    """Run a DDL statement built server-side with format() (%I identifiers, %L literals)."""
    placeholders = ", ".join(f"${i}::text" for i in range(1, len(args) + 2))
    statement = await conn.fetchval(f"SELECT format({placeholders})", template, *args)
    await conn.execute(statement)


async def provision_service_database(admin_dsn: str, service: str, password: str) -> str:
    """Create or update the LOGIN role `service` and its own schema `service`; return the service's DSN.

    The default search_path ("$user", public) makes unqualified names resolve to the service's schema.
    """
    if not _SERVICE_NAME.match(service):
        raise ValueError(f"service name must be a lower-case SQL identifier, got {service!r}")
    conn = await asyncpg.connect(admin_dsn)
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", service)
            verb = "ALTER" if exists else "CREATE"
            attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
            await _ddl(conn, f"{verb} ROLE %I {attributes} PASSWORD %L", service, password)
            await _ddl(conn, "CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I", service, service)
            await _ddl(conn, "ALTER SCHEMA %I OWNER TO %I", service, service)
            await conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    finally:
        await conn.close()
    log.info("provisioned role and schema %s", service)
    return service_dsn(admin_dsn, service, password)
