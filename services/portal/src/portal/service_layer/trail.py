"""The audit trail of signing in: one function every way of signing in records through. It writes to the log for
now (actor id and client address, never an e-mail address or a secret); the audit log takes it over."""

from typing import Any

from outreach_shared.logging import get_logger
from outreach_shared.skeleton import UnitOfWork

log = get_logger("portal.audit")


def record(
    uow: UnitOfWork, *, actor: str, action: str, target: str | None = None, from_address: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """One audit record: who (an account key or `anonymous`, never an address), what (`sign_in`,
    `sign_in_failed`, `sign_in_link_issued`), on what, from where."""
    log.info("audit", actor=actor, action=action, target=target, from_address=from_address, at=uow.now.isoformat(),
             **(details or {}))  # fmt: skip
