"""The signing key's lifecycle: a successor is published before it signs, exactly one key signs at any instant, and
a retired key stays published until the last token it signed has expired."""

from datetime import UTC, datetime, timedelta

from outreach_shared.signing import ACCESS_TOKEN_TTL
from portal.domain import keys
from portal.domain.rotation import KeyPolicy, rotation_due

T0 = datetime(2027, 3, 4, 9, tzinfo=UTC)
AHEAD = timedelta(minutes=10)


def rotated(records: list[keys.KeyRecord], now: datetime) -> list[keys.KeyRecord]:
    """What `rotation.rotate` writes, on the domain functions alone."""
    successor = keys.next_key(now, AHEAD)
    kept = [keys.retire_after(r, successor.signs_from, ACCESS_TOKEN_TTL)
            if r.retired_at is None or r.retired_at > successor.signs_from else r for r in records]  # fmt: skip
    return [*kept, successor]


def test_a_successor_is_published_before_it_signs_and_the_old_key_until_its_tokens_expired() -> None:
    first = keys.first_key(T0)
    records = rotated([first], T0 + timedelta(days=30))
    successor = records[-1]
    at = T0 + timedelta(days=30)
    assert successor.key.kid in {j["kid"] for j in keys.published(records, at)}
    assert keys.signer(records, at) is records[0] and keys.signer(records, at + AHEAD) is successor
    last_old_token_expires = at + AHEAD + ACCESS_TOKEN_TTL
    assert first.key.kid in {j["kid"] for j in keys.published(records, last_old_token_expires)}
    later = last_old_token_expires + timedelta(minutes=2)
    assert first.key.kid not in {j["kid"] for j in keys.published(records, later)}


def test_exactly_one_key_signs_at_every_instant_through_rotations_in_quick_succession() -> None:
    records = [keys.first_key(T0)]
    for minutes in (5, 7, 30):  # the second rotation comes before the first successor ever signed
        records = rotated(records, T0 + timedelta(minutes=minutes))
    for second in range(0, 3 * 3600, 30):
        now = T0 + timedelta(seconds=second)
        signing = [r for r in records if r.signing(now)]
        assert len(signing) == 1, (now, [r.key.kid for r in signing])
        assert signing[0].published(now)


def test_rotation_is_due_a_period_after_the_newest_key_began_signing() -> None:
    policy = KeyPolicy(every=timedelta(days=30), publish_ahead=AHEAD)
    assert not rotation_due([], T0, policy)  # the first key is made on first need
    first = [keys.first_key(T0)]
    assert not rotation_due(first, T0 + timedelta(days=29), policy)
    assert rotation_due(first, T0 + timedelta(days=30), policy)
    assert not rotation_due(rotated(first, T0 + timedelta(days=30)), T0 + timedelta(days=30, hours=1), policy)
