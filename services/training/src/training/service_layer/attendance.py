"""Check-in on the day: idempotent, one AttendanceRecorded per member."""

from datetime import datetime

import asyncpg

from outreach_shared.contracts import training as t
from training.adapters.gatherings import GatheringRepository
from training.adapters.registrations import RegistrationRepository
from training.domain.errors import WrongGatheringState
from training.domain.registration import Registration, RegistrationStatus
from training.service_layer.outbox import Emitter


async def check_in(
    conn: asyncpg.Connection, emitter: Emitter, gathering_id: str, member_id: str, *, now: datetime
) -> tuple[Registration, bool]:
    """Record the member's arrival; returns the registration and whether this call recorded it."""
    g = await GatheringRepository(conn).get(gathering_id, lock=True)
    g.check_check_in_allowed(now=now)
    regs = RegistrationRepository(conn)
    r = await regs.get(g.id, member_id)
    if r is None or r.status != RegistrationStatus.CONFIRMED:
        raise WrongGatheringState(f"member {member_id} has no confirmed place at this gathering")
    if r.checked_in_at is not None:
        return r, False
    await regs.check_in(r.id, now)
    await emitter.emit(conn, g.id, [t.AttendanceRecorded(gathering_id=g.id, member_id=member_id)])
    updated = await regs.get(g.id, member_id)
    assert updated is not None
    return updated, True
