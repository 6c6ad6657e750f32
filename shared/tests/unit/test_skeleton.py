"""The kit's skeleton: named SQL parameters, the registry's topics, the caller check, a unit of work in memory."""

from datetime import UTC, datetime

import pytest

from outreach_dev.testing.fakes import MovableClock, emitted, emitted_keys, in_memory
from outreach_shared.auth import Principal
from outreach_shared.contracts.ambassadors import MemberErased
from outreach_shared.contracts.booking import VisitCancelled
from outreach_shared.contracts.topics import Topics
from outreach_shared.db import named
from outreach_shared.errors import Forbidden
from outreach_shared.runtime import Consumer, Wiring, consumers_of
from outreach_shared.skeleton import Registry, UnitOfWork
from outreach_shared.skeleton.caller import checked


def test_named_parameters_become_numbered_in_order_of_first_use() -> None:
    sql, *args = named("SELECT :a::uuid, :b, :a WHERE x = 'y'::text", b=2, a="1")
    assert sql == "SELECT $1::uuid, $2, $1 WHERE x = 'y'::text"
    assert args == ["1", 2]


def test_named_parameters_refuse_a_missing_or_unknown_name() -> None:
    with pytest.raises(TypeError, match="missing \\['b'\\]"):
        named("SELECT :a, :b", a=1)
    with pytest.raises(TypeError, match="not in the statement \\['c'\\]"):
        named("SELECT :a", a=1, c=3)


async def _nothing(uow: object, event: object) -> None:
    return None


def test_registry_maps_payload_types_to_wire_names_and_topics() -> None:
    registry: Registry[object] = Registry(events={VisitCancelled: _nothing, MemberErased: _nothing})
    assert set(registry.event_types()) == {"visit.cancelled", "member.erased"}
    assert registry.topics() == sorted([Topics.VISITS, Topics.MEMBERS])


def test_consumers_share_the_registry_and_the_last_takes_the_rest() -> None:
    wiring = Wiring(registry=Registry(events={VisitCancelled: _nothing, MemberErased: _nothing}),
                    consumers=[Consumer("contacts", takes=[MemberErased]), Consumer("notices")])  # fmt: skip
    split = {consumer.name: sorted(handlers) for consumer, handlers in consumers_of(wiring, "svc")}
    assert split == {"contacts": ["member.erased"], "notices": ["visit.cancelled"]}


def test_caller_check_refuses_a_member_token_without_a_valid_member_id() -> None:
    with pytest.raises(Forbidden):
        checked(Principal(role="member", subject="x", member_id="not-a-uuid"))
    with pytest.raises(Forbidden):
        checked(Principal(role="school", subject="x", orgnr=None))
    member = "8F0E1C1E-4D0A-4C52-9B1D-2C1B6A3E9A10"
    assert checked(Principal(role="member", subject=member, member_id=member)).member_id == member.lower()


async def test_unit_of_work_in_memory_records_what_it_emits_with_its_time() -> None:
    clock = MovableClock(datetime(2027, 3, 4, 8, tzinfo=UTC))
    uow = in_memory(UnitOfWork, now=clock.now())
    await uow.emit(MemberErased(member_id="m-1"), key="m-1")
    assert uow.now == datetime(2027, 3, 4, 8, tzinfo=UTC)
    assert emitted_keys(uow) == [("member.erased", "m-1")]
    assert emitted(uow) == [MemberErased(member_id="m-1")]
    with pytest.raises(AssertionError, match="conn.execute"):
        uow.conn.execute("SELECT 1")
