"""Identifiers."""

import uuid


def is_uuid(value: str) -> bool:
    """True when the text is a UUID (member and offer ids are)."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
