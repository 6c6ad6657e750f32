"""Reading the audit log (national organisers)."""

from portal.adapters.audit import AuditQuery, StoredEntry
from portal.service_layer.unit_of_work import PortalUnit


async def read(uow: PortalUnit, query: AuditQuery) -> tuple[list[StoredEntry], bool]:
    """One page of records matching `query`, and whether more follow it."""
    rows = await uow.audit.page(AuditQuery(query.limit + 1, query.action, query.actor, query.since, query.until,
                                           query.after))  # fmt: skip
    return rows[: query.limit], len(rows) > query.limit
