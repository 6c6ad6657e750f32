"""What sign-in keeps of the roster."""

from portal_helpers import snapshot

from portal.domain.members import same_address
from portal.service_layer.roster import from_snapshot


def test_addresses_compare_without_case_or_surrounding_blanks() -> None:
    assert same_address(" Kari@Example.org", "kari@example.ORG ")
    assert not same_address("kari@example.org", "kari2@example.org")


def test_a_snapshot_gives_the_id_the_address_and_whether_the_member_is_active() -> None:
    member = from_snapshot(snapshot("m-1", "kari@example.org", active=False))
    assert (member.member_id, member.email, member.active) == ("m-1", "kari@example.org", False)
