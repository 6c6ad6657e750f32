"""What a member types into the forms of their pages, checked before it is sent on (pure: no I/O).

Each check returns the value to send, or the problem as a key of `PROBLEMS` (the page says it in words)."""

from dataclasses import dataclass

MAX_REASON = 500
"""Ambassadors keeps at most this many characters of a reason."""
MAX_NOTES = 2000
MAX_PUPILS = 10_000
"""Booking's bounds of a report."""


@dataclass(frozen=True)
class Checked:
    """A value to send, or the problem with it (`problem` set, `value` None)."""

    value: str | int | None
    problem: str | None = None


def text(raw: object, *, required: bool, limit: int) -> Checked:
    """A free text: trimmed, line breaks as one newline, no other control characters, at most `limit` characters;
    None when left empty and not required."""
    value = (raw if isinstance(raw, str) else "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not value:
        return Checked(None, "missing" if required else None)
    if any(ord(c) < 32 and c not in "\n\t" or ord(c) == 127 for c in value):
        return Checked(None, "control")
    if len(value) > limit:
        return Checked(None, "too_long")
    return Checked(value)


def pupils(raw: object) -> Checked:
    """A number of pupils reached: a whole number from 0 to 10 000 (spaces between the digits allowed)."""
    value = (raw if isinstance(raw, str) else "").replace(" ", "").replace("\u00a0", "").strip()
    if not value:
        return Checked(None, "missing")
    if not value.isascii() or not value.isdigit() or len(value) > 6:
        return Checked(None, "not_a_number")
    number = int(value)
    if number > MAX_PUPILS:
        return Checked(None, "too_many")
    return Checked(number)
