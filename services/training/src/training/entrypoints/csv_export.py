"""The participant list as rows for the kit's CSV and XLSX export (formulas neutralised there)."""

from collections.abc import Sequence

from outreach_shared.exports import to_csv
from training.domain.registration import Registration

COLUMNS = (
    "member_id",
    "status",
    "position",
    "dietary",
    "accessibility",
    "needs_accommodation",
    "registered_at",
    "checked_in_at",
)


def participant_rows(rows: Sequence[Registration]) -> list[tuple[object, ...]]:
    """One row per participant, in COLUMNS' order."""
    return [
        (
            r.member_id,
            r.status.value,
            r.position,
            r.needs.dietary,
            r.needs.accessibility,
            r.needs.needs_accommodation,
            r.registered_at,
            r.checked_in_at,
        )
        for r in rows
    ]


def participants_csv(rows: Sequence[Registration]) -> bytes:
    """One header line and one line per participant (UTF-8 with BOM)."""
    return to_csv(COLUMNS, participant_rows(rows))
