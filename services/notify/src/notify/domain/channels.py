"""Which channels a notice goes to, when an SMS may be sent, and which channel is the fall-back."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from notify.domain.notices import NoticeDraft, RecipientKind
from notify.domain.preferences import Channel, Preferences, QuietHours

OSLO = ZoneInfo("Europe/Oslo")
DEFAULT_CHANNELS = (Channel.EMAIL,)


def plan_channels(draft: NoticeDraft, preferences: Preferences | None) -> list[Channel]:
    """The channels to deliver on: members always get the inbox; urgent notices and those carrying a calendar
    invitation or its withdrawal always get e-mail (the calendar travels only there)."""
    kind: RecipientKind = draft.recipient.kind
    if kind != "member":
        return [Channel.EMAIL]
    chosen = set(DEFAULT_CHANNELS)
    if preferences is not None and draft.notice_type in preferences.channels:
        chosen = set(preferences.channels[draft.notice_type])
    if draft.urgent or draft.calendar is not None:
        chosen.add(Channel.EMAIL)  # an opt-out does not apply to urgent notices, nor to a calendar's only channel
    chosen.add(Channel.INBOX)
    return sorted(chosen, key=list(Channel).index)


def fallback_channel(channel: Channel, urgent: bool) -> Channel | None:
    """The channel to try when `channel` failed for good: SMS for urgent e-mail, else none."""
    return Channel.SMS if urgent and channel is Channel.EMAIL else None


def in_quiet_hours(moment: datetime, quiet: QuietHours) -> bool:
    """True when `moment` falls in the quiet span, read in Europe/Oslo."""
    local = moment.astimezone(OSLO).time()
    if quiet.start <= quiet.end:
        return quiet.start <= local < quiet.end
    return local >= quiet.start or local < quiet.end


def quiet_hours_end(moment: datetime, quiet: QuietHours) -> datetime:
    """The first moment after `moment` when the quiet span is over (Europe/Oslo wall clock)."""
    local = moment.astimezone(OSLO)
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    if end <= local:
        end = (local + timedelta(days=1)).replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0,
                                                  microsecond=0)
    return end.replace(tzinfo=OSLO)


def hold_until(now: datetime, channel: Channel, urgent: bool, quiet: QuietHours | None) -> datetime | None:
    """When a delivery must wait: non-urgent SMS inside quiet hours wait until they end."""
    if channel is not Channel.SMS or urgent or quiet is None or not in_quiet_hours(now, quiet):
        return None
    return quiet_hours_end(now, quiet)
