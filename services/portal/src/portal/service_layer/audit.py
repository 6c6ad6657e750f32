"""Reading the audit log (national organisers)."""

from dataclasses import replace

from portal.adapters.audit import AuditQuery, StoredEntry
from portal.service_layer.unit_of_work import PortalUnit


async def read(uow: PortalUnit, query: AuditQuery) -> tuple[list[StoredEntry], bool]:
    """One page of records matching `query`, and whether more follow it."""
    rows = await uow.audit.page(replace(query, limit=query.limit + 1))
    return rows[: query.limit], len(rows) > query.limit
