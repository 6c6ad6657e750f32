"""Client secrets are kept only as salted scrypt hashes and compared in constant time; a school's token may be for
the services a school uses only. Audit records are gathered for the transaction to write."""

import uuid
from datetime import UTC, datetime

from outreach_dev.testing.fakes import in_memory
from portal.adapters.audit import PendingAudit
from portal.domain.clients import CLIENT_ID, audiences, hash_secret, new_client_id, new_secret, secret_matches
from portal.service_layer import trail
from portal.service_layer.unit_of_work import PortalUnit


def test_a_secret_matches_its_own_salted_hash_only() -> None:
    secret = new_secret()
    first, second = hash_secret(secret), hash_secret(secret)
    assert first != second and secret not in first
    assert secret_matches(secret, first) and secret_matches(secret, second)
    assert not secret_matches(secret + "x", first)
    assert not secret_matches(secret, "pbkdf2$1$2$3$00$00") and not secret_matches(secret, "garbage")


def test_client_ids_are_random_and_well_formed() -> None:
    ids = {new_client_id() for _ in range(50)}
    assert len(ids) == 50 and all(CLIENT_ID.fullmatch(i) for i in ids)


def test_a_token_is_for_booking_unless_asked_otherwise_and_never_beyond_a_schools_services() -> None:
    assert audiences(None) == ("booking",) and audiences("booking booking") == ("booking",)
    assert audiences("ambassadors") is None and audiences("booking portal") is None and audiences(" ") is None


def test_an_audit_record_keeps_its_details_as_plain_json() -> None:
    unit = in_memory(PortalUnit, now=datetime(2026, 12, 4, tzinfo=UTC))
    when, ident = datetime(2026, 1, 1, tzinfo=UTC), uuid.UUID(int=7)
    trail.record(unit, actor="organiser:x", action="key_rotated", details={"at": when, "id": ident, "n": 1})
    trail.record(unit, actor="anonymous", action="sign_in_failed", from_address="203.0.113.1")
    pending = unit.scope.deferred["portal.audit"]
    assert isinstance(pending, PendingAudit)
    first, second = pending.entries
    assert first.details == {"at": when.isoformat(sep=" "), "id": str(ident), "n": 1}
    assert (second.action, second.from_address, second.at) == ("sign_in_failed", "203.0.113.1", unit.now)
