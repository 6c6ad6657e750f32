"""Times at the edge, in Europe/Oslo: within a horizon, at local times that exist once, of a sensible length and at
hours that fit what happens then. Pure rules: the caller gives the clock and the rules (from its settings)."""

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from outreach_shared.errors import Invalid

OSLO = ZoneInfo("Europe/Oslo")
SCHOOL_DAYS = frozenset({1, 2, 3, 4, 5})
EVERY_DAY = frozenset(range(1, 8))
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Hours:
    """When something may take place: on which ISO weekdays, between which local times, how long, in one day or
    over several."""

    days: frozenset[int]
    opens: time
    closes: time
    min_length: timedelta
    max_length: timedelta
    one_day: bool = True

    def describe(self) -> str:
        """E.g. "Monday–Friday 08:00–16:00"."""
        ordered = sorted(self.days)
        if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 1:
            days = f"{WEEKDAY_NAMES[ordered[0] - 1]}–{WEEKDAY_NAMES[ordered[-1] - 1]}"
        else:
            days = ", ".join(WEEKDAY_NAMES[d - 1] for d in ordered)
        return f"{days} {self.opens:%H:%M}–{self.closes:%H:%M}"


@dataclass(frozen=True)
class TimeRules:
    """The bounds every service applies to the times it is given (defaults: see `TimeBoundsSettings`)."""

    horizon: timedelta = timedelta(days=548)
    school: Hours = field(
        default_factory=lambda: Hours(SCHOOL_DAYS, time(8), time(16), timedelta(minutes=30), timedelta(hours=12))
    )
    """School visits, career days and digital visits: on school days, within school hours."""
    open: Hours = field(
        default_factory=lambda: Hours(EVERY_DAY, time(8), time(22), timedelta(minutes=30), timedelta(hours=12))
    )
    """Education fairs: evenings and weekends too."""
    gathering: Hours = field(
        default_factory=lambda: Hours(EVERY_DAY, time(8), time(22), timedelta(hours=1), timedelta(days=7), False)
    )
    """Annual gatherings: may last several days, starting and ending within the day's hours."""

    def for_kind(self, kind: str) -> Hours:
        """The hours of a visit kind: education fairs have open hours, every other kind school hours."""
        return self.open if kind == "education_fair" else self.school


def check_instant(
    moment: datetime, *, now: datetime, rules: TimeRules, field: str, not_before: datetime | None = None
) -> datetime:
    """The moment in Oslo time; raises Invalid naming `field` unless it lies between `not_before` (default: one
    horizon ago) and one horizon from now, and its local time exists and is not repeated in Europe/Oslo."""
    latest, earliest = now + rules.horizon, not_before if not_before is not None else now - rules.horizon
    if moment > latest:  # compared before any conversion: year 9999 cannot be moved to Oslo time
        raise Invalid(f"{field}: must be at most {rules.horizon.days} days ahead (by {_oslo(latest)})", field=field)
    if moment < earliest:
        raise Invalid(f"{field}: must not be before {_oslo(earliest)}", field=field)
    return check_local_time(moment, field=field)


def check_local_time(moment: datetime, *, field: str) -> datetime:
    """The moment in Oslo time; raises Invalid naming `field` and the clock change when the local time it shows
    happens twice in Europe/Oslo (autumn), or the wall-clock time written does not exist there (spring)."""
    local, problem = _oslo_reading(moment, moment.utcoffset())
    if problem == "repeated":
        repeated = local.replace(fold=1 - local.fold)
        first, second = sorted((local, repeated), key=lambda m: m.fold)
        raise Invalid(
            f"{field}: {local:%H:%M} on {local.date()} happens twice in Europe/Oslo: the clocks go back from "
            f"{first:%z} to {second:%z} that night; choose a time outside the repeated hour",
            field=field,
        )
    if problem == "skipped":
        written = moment.replace(tzinfo=None)
        raise Invalid(
            f"{field}: {written:%H:%M} on {written.date()} does not exist in Europe/Oslo: the clocks go forward an "
            "hour that night; choose a time outside the skipped hour",
            field=field,
        )
    return local


@functools.lru_cache(maxsize=4096)
def _oslo_reading(moment: datetime, offset: timedelta | None) -> tuple[datetime, str | None]:
    """The moment in Oslo time and what is wrong with it ("repeated", "skipped" or None), remembered: schools ask for
    the same few times again and again (~4 µs per instant saved). Keyed by the offset too, since aware datetimes that
    compare equal in one zone may differ in fold and so be different instants; the instant and the offset written
    settle the answer."""
    local = moment.astimezone(OSLO)
    repeated = local.replace(fold=1 - local.fold)
    if repeated.utcoffset() != local.utcoffset():
        return local, "repeated"
    if offset not in (timedelta(0), local.utcoffset()) and not _exists_in_oslo(moment.replace(tzinfo=None)):
        return local, "skipped"
    return local, None


def check_window(
    start: datetime,
    end: datetime,
    *,
    hours: Hours,
    now: datetime,
    rules: TimeRules,
    fields: tuple[str, str],
    not_before: datetime | None = None,
) -> None:
    """Raise Invalid naming the start's or the end's field (`fields`) unless the span ends after it starts, lies
    within the horizon (from `not_before`, default now), at local times that exist once, and fits `hours`."""
    start_field, end_field = fields
    if end <= start:
        raise Invalid(f"{end_field}: the end must be after the start", field=end_field)
    earliest = not_before if not_before is not None else now
    local_start = check_instant(start, now=now, rules=rules, field=start_field, not_before=earliest)
    local_end = check_instant(end, now=now, rules=rules, field=end_field, not_before=earliest)
    length = end - start
    if not hours.min_length <= length <= hours.max_length:
        raise Invalid(
            f"{end_field}: must last from {_duration(hours.min_length)} to {_duration(hours.max_length)}, "
            f"not {_duration(length)}",
            field=end_field,
        )
    if hours.one_day and local_start.date() != local_end.date():
        raise Invalid(f"{end_field}: must end on the day it starts ({local_start.date()})", field=end_field)
    for local, name in ((local_start, start_field), (local_end, end_field)):
        if local.isoweekday() not in hours.days or not hours.opens <= local.time() <= hours.closes:
            raise Invalid(
                f"{name}: {WEEKDAY_NAMES[local.weekday()]} {local:%H:%M} (Europe/Oslo) is outside {hours.describe()}",
                field=name,
            )


def check_date(day: date, *, today: date, rules: TimeRules, field: str) -> None:
    """Raise Invalid naming `field` unless the day is within one horizon of today, either way."""
    if abs(day - today) > rules.horizon:
        raise Invalid(f"{field}: {day} is more than {rules.horizon.days} days from today ({today})", field=field)


def _exists_in_oslo(wall: datetime) -> bool:
    """True when the wall-clock time is shown by Oslo's clocks (it is not in the hour skipped in spring)."""
    there = wall.replace(tzinfo=OSLO)
    return there.astimezone(UTC).astimezone(OSLO).replace(tzinfo=None) == wall


def _oslo(moment: datetime) -> str:
    return moment.astimezone(OSLO).isoformat(timespec="minutes")


def _duration(span: timedelta) -> str:
    """E.g. "30 minutes", "1 hour", "7 days"."""
    minutes = int(span.total_seconds() // 60)
    if minutes == 0:
        return f"{int(span.total_seconds())} seconds"
    for unit, size in (("day", 24 * 60), ("hour", 60)):
        if minutes % size == 0:
            return f"{minutes // size} {unit}{'' if minutes == size else 's'}"
    return f"{minutes} minute{'' if minutes == 1 else 's'}"
