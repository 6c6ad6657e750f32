"""The participant list as CSV, safe to open in a spreadsheet."""

import csv
import io
from collections.abc import Sequence

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
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """Text for a cell; free text that a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def participants_csv(rows: Sequence[Registration]) -> str:
    """One header line and one line per participant."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in rows:
        n = r.needs
        writer.writerow(
            _cell(v)
            for v in (
                r.member_id,
                r.status.value,
                r.position,
                n.dietary,
                n.accessibility,
                "yes" if n.needs_accommodation else "no",
                r.registered_at,
                r.checked_in_at,
            )
        )
    return out.getvalue()
