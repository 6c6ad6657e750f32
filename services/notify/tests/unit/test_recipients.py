"""Recipients are a typed value: a kind and an id, written as one key only where they are stored."""

from uuid import uuid4

import pytest

from notify.domain.notices import Recipient


@pytest.mark.parametrize("recipient", [Recipient.member("m-1"), Recipient.school("v-1"),
                                       Recipient("organiser", "ola@ks.example.org"),
                                       Recipient.address("kari@example.no")])  # fmt: skip
def test_a_recipients_key_reads_back_as_the_same_recipient(recipient: Recipient) -> None:
    assert Recipient.parse(recipient.key) == recipient


def test_an_organiser_address_keeps_everything_after_the_kind() -> None:
    assert Recipient.parse("organiser:ola:x@ks.no") == Recipient("organiser", "ola:x@ks.no")


@pytest.mark.parametrize("key", ["member:", "teacher:t-1", "m-1", ""])
def test_a_key_of_no_known_kind_or_without_an_id_is_refused(key: str) -> None:
    with pytest.raises(ValueError):
        Recipient.parse(key)


def test_an_organiser_may_ask_for_a_member_by_their_bare_id() -> None:
    member_id = str(uuid4())
    assert Recipient.of_query(member_id) == Recipient.member(member_id)
    assert Recipient.of_query(f"school:{member_id}") == Recipient.school(member_id)
    with pytest.raises(ValueError):
        Recipient.of_query("kari")
