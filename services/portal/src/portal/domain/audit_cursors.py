"""The audit log's page cursors: a record's place (its time and id) as an opaque url-safe text, and back."""

import base64
import binascii
from datetime import datetime

from outreach_shared.errors import Invalid


def cursor_of(at: datetime, record_id: int) -> str:
    """The cursor of the page after the record at (`at`, `record_id`)."""
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{record_id}".encode()).decode().rstrip("=")


def place_of(cursor: str | None, *, field: str = "after") -> tuple[datetime, int] | None:
    """The (time, id) a cursor names; Invalid naming `field` for a text no page gave."""
    if cursor is None:
        return None
    try:
        at, _, ident = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("|")
        when, number = datetime.fromisoformat(at), int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Invalid("not a cursor this endpoint gave", field=field) from None
    if when.tzinfo is None or not 0 < number < 2**63:
        raise Invalid("not a cursor this endpoint gave", field=field)
    return when, number
