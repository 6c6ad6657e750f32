"""The audit trail: one function every audited action records through. It logs the record (actor id and client
address, never an e-mail address or a secret) and appends it to the audit log in the same transaction, just
before it commits (so a record of what was rolled back is not kept)."""

import json
from typing import Any

from outreach_shared.logging import get_logger
from outreach_shared.skeleton import UnitOfWork
from portal.adapters.audit import AuditEntry, PendingAudit

log = get_logger("portal.audit")
_LOGGED = {"event", "actor", "action", "target", "from_address", "at"}


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    """The details as plain JSON (times, ids and the like as text), so that writing them can never fail the
    transaction they are recorded in."""
    return dict(json.loads(json.dumps(details, default=str)))


def record(
    uow: UnitOfWork,
    *,
    actor: str,
    action: str,
    target: str | None = None,
    from_address: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """One audit record: who (an account key, a client id or `anonymous`, never an address), what (`sign_in`,
    `sign_in_failed`, `client_created`, ...), on what, from where."""
    plain = _plain(details or {})
    extra = {f"detail_{k}" if k in _LOGGED else k: v for k, v in plain.items()}
    log.info("audit", actor=actor, action=action, target=target, from_address=from_address, at=uow.now.isoformat(),
             **extra)  # fmt: skip
    entry = AuditEntry(at=uow.now, actor=actor[:200], action=action[:64], target=target[:200] if target else target,
                       from_address=from_address[:64] if from_address else from_address,
                       details=plain)  # fmt: skip
    uow.defer("portal.audit", PendingAudit).entries.append(entry)
