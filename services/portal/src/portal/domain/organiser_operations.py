"""The national organisers' operations page: dead letters with their replays, what each service's loops set aside,
and the audit log, as rows to show."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SERVICES = ("booking", "ambassadors", "training", "notify")
"""The services whose set-aside items the page asks for (the portal's own are read in-process)."""
PAGE_SIZE = 20
"""Dead letters and audit records a page."""
SET_ASIDE_SHOWN = 20
"""Set-aside items asked of each service (newest first)."""


@dataclass(frozen=True)
class DeadLetterRow:
    """One dead letter: where it is, where it came from, why, and whether it was replayed."""

    partition: int
    offset: int
    topic: str
    consumer: str
    event_id: str | None
    event_type: str | None
    reason: str
    received_at: datetime
    replayed_at: datetime | None
    replays: int

    @property
    def key(self) -> str:
        """Its place on the dead-letter topic, for ids in the page."""
        return f"{self.partition}-{self.offset}"


@dataclass(frozen=True)
class SetAsideRow:
    """One item a service's loop gave up on."""

    service: str
    loop: str
    kind: str
    key: str
    reason: str
    set_aside_at: datetime


def dead_letter_rows(page: Mapping[str, Any]) -> list[DeadLetterRow]:
    """notify's page of dead letters as rows."""
    return [DeadLetterRow(partition=i["partition"], offset=i["offset"], topic=i["topic"], consumer=i["consumer"],
                          event_id=i["event_id"], event_type=i["event_type"], reason=i["reason"],
                          received_at=_time(i["received_at"]),
                          replayed_at=_time(i["replayed_at"]) if i.get("replayed_at") else None,
                          replays=i["replays"]) for i in page["items"]]  # fmt: skip


def set_aside_rows(by_service: Mapping[str, Sequence[Mapping[str, Any]] | None]) -> tuple[list[SetAsideRow], list[str]]:
    """Every service's set-aside items, newest first, and the services that could not be asked (None)."""
    rows = [SetAsideRow(service=service, loop=i["loop"], kind=i["kind"], key=i["key"], reason=i["reason"],
                        set_aside_at=_time(i["set_aside_at"]))
            for service, items in by_service.items() if items is not None for i in items]  # fmt: skip
    unread = [service for service, items in by_service.items() if items is None]
    return sorted(rows, key=lambda r: r.set_aside_at, reverse=True), unread


def _time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
