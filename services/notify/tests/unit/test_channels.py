"""Channel choice per recipient and preference, quiet hours, and the fall-back channel."""

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from notify.domain.channels import fallback_channel, hold_until, in_quiet_hours, plan_channels
from notify.domain.notices import NoticeDraft, NoticeType, Recipient
from notify.domain.preferences import Channel, Preferences, QuietHours
from notify.domain.retry import RetryPolicy, Verdict

OSLO = ZoneInfo("Europe/Oslo")
NIGHT = QuietHours(start=time(22, 0), end=time(7, 0))


def draft(notice_type: NoticeType, recipient: Recipient) -> NoticeDraft:
    return NoticeDraft.of(notice_type, recipient, "visit:v-1", {})


def test_members_get_email_and_inbox_by_default() -> None:
    assert plan_channels(draft(NoticeType.VISIT_OFFERED, Recipient.member("m")), None) == [Channel.EMAIL, Channel.INBOX]


def test_schools_and_organisers_get_email_only() -> None:
    assert plan_channels(draft(NoticeType.VISIT_CONFIRMED_SCHOOL, Recipient.school("v")), None) == [Channel.EMAIL]
    organiser = Recipient("organiser", "a@ks.no")
    assert plan_channels(draft(NoticeType.ORGANISER_NO_TEAM, organiser), None) == [Channel.EMAIL]


def test_a_member_may_swap_email_for_sms_but_the_inbox_stays() -> None:
    prefs = Preferences(channels={NoticeType.GATHERING_WAITLISTED: [Channel.SMS]})
    chosen = plan_channels(draft(NoticeType.GATHERING_WAITLISTED, Recipient.member("m")), prefs)
    assert chosen == [Channel.SMS, Channel.INBOX]


def test_urgent_notices_ignore_an_opt_out_of_email() -> None:
    prefs = Preferences(channels={NoticeType.MEMBER_RELEASED: []})
    chosen = plan_channels(draft(NoticeType.MEMBER_RELEASED, Recipient.member("m")), prefs)
    assert chosen == [Channel.EMAIL, Channel.INBOX]


def test_a_same_day_change_is_urgent() -> None:
    ctx = {"same_day": True}
    assert NoticeDraft.of(NoticeType.VISIT_CONFIRMED_MEMBER, Recipient.member("m"), "visit:v", ctx).urgent
    assert not NoticeDraft.of(NoticeType.VISIT_CONFIRMED_MEMBER, Recipient.member("m"), "visit:v", {}).urgent


def test_quiet_hours_wrap_midnight_in_oslo_time() -> None:
    assert in_quiet_hours(datetime(2025, 10, 14, 23, 30, tzinfo=OSLO), NIGHT)
    assert in_quiet_hours(datetime(2025, 10, 15, 6, 59, tzinfo=OSLO), NIGHT)
    assert not in_quiet_hours(datetime(2025, 10, 15, 7, 0, tzinfo=OSLO), NIGHT)
    assert in_quiet_hours(datetime(2025, 10, 14, 21, 30, tzinfo=ZoneInfo("UTC")), NIGHT)  # 23:30 in Oslo


def test_non_urgent_sms_waits_until_quiet_hours_end() -> None:
    late = datetime(2025, 10, 14, 23, 30, tzinfo=OSLO)
    assert hold_until(late, Channel.SMS, False, NIGHT) == datetime(2025, 10, 15, 7, 0, tzinfo=OSLO)
    early = datetime(2025, 10, 15, 5, 0, tzinfo=OSLO)
    assert hold_until(early, Channel.SMS, False, NIGHT) == datetime(2025, 10, 15, 7, 0, tzinfo=OSLO)


def test_urgent_sms_and_email_never_wait() -> None:
    late = datetime(2025, 10, 14, 23, 30, tzinfo=OSLO)
    assert hold_until(late, Channel.SMS, True, NIGHT) is None
    assert hold_until(late, Channel.EMAIL, False, NIGHT) is None
    assert hold_until(datetime(2025, 10, 14, 12, 0, tzinfo=OSLO), Channel.SMS, False, NIGHT) is None


def test_quiet_hours_end_across_the_autumn_clock_change() -> None:
    night = datetime(2025, 10, 25, 23, 0, tzinfo=OSLO)  # clocks go back at 03:00 on 26 October
    end = hold_until(night, Channel.SMS, False, NIGHT)
    assert end is not None and end.astimezone(OSLO).hour == 7
    assert end.astimezone(ZoneInfo("UTC")) - night.astimezone(ZoneInfo("UTC")) == timedelta(hours=9)


def test_only_urgent_email_falls_back_to_sms() -> None:
    assert fallback_channel(Channel.EMAIL, True) is Channel.SMS
    assert fallback_channel(Channel.EMAIL, False) is None
    assert fallback_channel(Channel.SMS, True) is None


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    policy = RetryPolicy(max_attempts=5, base_seconds=10, max_seconds=60)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 10), (2, 20), (3, 40), (4, 60), (9, 60)]:
        waits = {policy.backoff(attempt, rng).total_seconds() for _ in range(20)}
        assert all(ceiling / 2 <= w <= ceiling for w in waits) and len(waits) > 1


def test_a_permanent_error_or_the_last_attempt_fails_for_good() -> None:
    policy = RetryPolicy(max_attempts=3, base_seconds=1, max_seconds=10)
    assert policy.verdict(ok=True, permanent=False, attempts=1) is Verdict.SENT
    assert policy.verdict(ok=False, permanent=False, attempts=2) is Verdict.RETRY
    assert policy.verdict(ok=False, permanent=True, attempts=1) is Verdict.FAILED
    assert policy.verdict(ok=False, permanent=False, attempts=3) is Verdict.FAILED


def test_quiet_hours_ending_after_midnight_release_at_the_exact_minute():
    oslo = ZoneInfo("Europe/Oslo")
    quiet = QuietHours(start=time(22, 7), end=time(0, 7))
    moment = datetime(2026, 11, 22, 23, 7, 27, 495_000, tzinfo=oslo)
    released = hold_until(moment, Channel.SMS, False, quiet)
    assert released == datetime(2026, 11, 23, 0, 7, tzinfo=oslo)


def test_quiet_hours_release_across_the_spring_daylight_saving_change():
    oslo = ZoneInfo("Europe/Oslo")
    moment = datetime(2026, 3, 28, 23, 30, 15, tzinfo=oslo)  # clocks jump from 02:00 to 03:00 on 29 March
    released = hold_until(moment, Channel.SMS, False, NIGHT)
    assert released == datetime(2026, 3, 29, 7, 0, tzinfo=oslo)
    assert released.utcoffset() == timedelta(hours=2)


def test_failure_reasons_published_on_kafka_carry_no_address_or_number():
    from notify.service_layer.outcomes import scrub_personal_data

    text = "550 5.1.1 <kari.nordmann@example.no>: Recipient address rejected; SMS to +47 912 34 567 failed"
    scrubbed = scrub_personal_data(text)
    assert "kari.nordmann@example.no" not in scrubbed and "912 34 567" not in scrubbed
    assert scrubbed.startswith("550 5.1.1 <[e-mail]>: Recipient address rejected")
