"""The portal's part of national organisers' operations: its own set-aside items, and the audit of a replay."""

from outreach_shared.operations import SetAsideItem, SetAsideSource, list_set_aside
from portal.service_layer import trail
from portal.service_layer.unit_of_work import PortalUnit


async def set_aside(uow: PortalUnit, sources: list[SetAsideSource], limit: int) -> list[SetAsideItem]:
    """What the portal's own loops set aside, newest first."""
    return await list_set_aside(uow.conn, sources, limit)


def note_replay(uow: PortalUnit, *, actor: str, partition: int, offset: int, topic: str, again: bool) -> None:
    """Audit a dead letter replayed by an organiser (where it was, and the topic it went back to)."""
    trail.record(uow, actor=actor, action="dead_letter_replayed", target=f"dead-letter:{partition}/{offset}",
                 details={"topic": topic, "again": again})  # fmt: skip
