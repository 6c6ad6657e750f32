"""Durable timer kinds and keys: every key starts with the gathering id and a slash."""

INVITATION_REMINDER = "training-invitation-reminder"
PLACE_OFFER_EXPIRY = "training-place-offer-expiry"


def gathering_prefix(gathering_id: str) -> str:
    """The prefix of every timer key of a gathering (for cancelling them all)."""
    return f"{gathering_id}/"


def reminder_key(gathering_id: str) -> str:
    """The key of a gathering's invitation reminder."""
    return f"{gathering_id}/reminder"


def offer_key(gathering_id: str, registration_id: str) -> str:
    """The key of a place offer's expiry (no member id, so erasure leaves nothing personal behind)."""
    return f"{gathering_id}/offer/{registration_id}"
