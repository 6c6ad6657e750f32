"""A member's preferences: channels per notice type, language and quiet hours."""

from datetime import time
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator

from notify.domain.notices import NoticeType
from outreach_shared.contracts.common import Language


class Channel(StrEnum):
    """Where a notice is delivered."""

    EMAIL = "email"
    SMS = "sms"
    INBOX = "inbox"


class QuietHours(BaseModel):
    """A daily span (Europe/Oslo) in which non-urgent SMS wait; may wrap midnight."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: time
    end: time

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time_of_day(cls, value: object) -> object:
        if not isinstance(value, str | time):  # pydantic would read a number as seconds after midnight
            raise ValueError("a time of day, HH:MM")
        return value


class Preferences(BaseModel):
    """What a member chose. Missing types use the default channels (e-mail and the inbox)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: Language | None = None
    channels: dict[NoticeType, list[Channel]] = {}
    quiet_hours: QuietHours | None = None


def notice_language(preferences: Preferences | None, contact_language: str | None) -> str:
    """The language to write to a recipient in: their chosen one, else their contact's, else Norwegian bokmål."""
    return (preferences.language if preferences else None) or contact_language or "nb"
