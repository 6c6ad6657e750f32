"""A school contact is erased a set time after its visit ended, here and (by the event) in notify; not sooner, and
not while the visit is still open."""

import pytest
from booking_testkit import Api, KafkaTap, new_orgnr

from booking.service_layer import lifecycle
from booking.service_layer.contact_retention import ExpiredContacts
from booking.service_layer.unit_of_work import BookingUnit
from outreach_dev.testing.service import RunningService
from outreach_shared.metrics import REGISTRY


async def _cancelled(api: Api, orgnr: str) -> str:
    visit_id = await api.create(orgnr)
    r = await api.svc.client.post(
        f"/v1/visit-requests/{visit_id}/cancel", json={"reason": "the class moved"}, headers=api.school(orgnr)
    )
    assert r.status_code == 200
    return visit_id


async def _age(booking: RunningService, visit_id: str, *, days: int, only_the_date: bool = False) -> None:
    await booking.runtime.pool.execute(
        "UPDATE visits SET visit_date = now() - make_interval(days => $2), "
        "updated_at = CASE WHEN $3 THEN updated_at ELSE now() - make_interval(days => $2) END WHERE id = $1",
        visit_id, days, only_the_date,
    )  # fmt: skip


async def _has_contact(booking: RunningService, visit_id: str) -> bool:
    count = await booking.runtime.pool.fetchval("SELECT count(*) FROM visit_contacts WHERE visit_id = $1", visit_id)
    return bool(count)


async def test_contacts_of_visits_ended_longer_ago_than_the_retention_are_erased_and_notify_is_told(
    api: Api, tap: KafkaTap, booking: RunningService
) -> None:
    orgnr = new_orgnr()
    ended_long_ago = [await _cancelled(api, orgnr), await _cancelled(api, orgnr)]
    ended_lately = await _cancelled(api, orgnr)
    changed_lately = await _cancelled(api, orgnr)  # dated long ago, but cancelled (changed) lately
    still_open = await api.create(orgnr)  # a request nobody answered, dated long ago
    for visit_id in [*ended_long_ago, still_open]:
        await _age(booking, visit_id, days=366)
    await _age(booking, ended_lately, days=364)
    await _age(booking, changed_lately, days=366, only_the_date=True)

    # one batch per contact: every batch commits
    chore = ExpiredContacts(365, booking.runtime.wiring.unit, booking.runtime.clock, batch=1)
    assert await chore(booking.runtime.pool) == 2

    for visit_id in ended_long_ago:
        assert not await _has_contact(booking, visit_id)
        assert (await api.get(visit_id, orgnr))["contact"] is None
        (erased,) = await tap.wait_for(visit_id, "visit-contact.erased")
        assert erased.correlation_id.startswith("contact-retention-")
    for visit_id in (ended_lately, changed_lately, still_open):
        assert await _has_contact(booking, visit_id)
        assert tap.of(visit_id, "visit-contact.erased") == []
    assert await chore(booking.runtime.pool) == 0  # nothing left to do: erased once


async def test_a_contact_that_cannot_be_erased_is_set_aside_and_the_others_are_erased(
    api: Api, tap: KafkaTap, booking: RunningService, monkeypatch: pytest.MonkeyPatch
) -> None:
    orgnr = new_orgnr()
    ended = [await _cancelled(api, orgnr) for _ in range(3)]
    for visit_id in ended:
        await _age(booking, visit_id, days=366)
    stuck = sorted(ended)[1]  # the middle one of the batch

    forget = lifecycle.forget_contact

    async def forget_contact(uow: BookingUnit, visit_id: str) -> None:
        await forget(uow, visit_id)  # erased and emitted: all of it must be taken back
        if visit_id == stuck:  # as if its event no longer validated: the same on every attempt
            raise ValueError("the event for this visit cannot be built")

    monkeypatch.setattr(lifecycle, "forget_contact", forget_contact)
    chore = ExpiredContacts(365, booking.runtime.wiring.unit, booking.runtime.clock)
    before = _set_aside_count()
    assert await chore(booking.runtime.pool) >= 3
    assert _set_aside_count() == before + 1

    for visit_id in ended:
        if visit_id != stuck:
            assert not await _has_contact(booking, visit_id)
            await tap.wait_for(visit_id, "visit-contact.erased")
    assert await _has_contact(booking, stuck), "kept, for an organiser to look into, not half erased"
    r = await booking.client.get("/v1/operations/set-aside", headers=booking.auth("organiser"))
    assert r.status_code == 200, r.text
    (item,) = [i for i in r.json() if i["key"] == stuck]
    assert (item["loop"], item["reason"]) == (
        "housekeeping:visit_contacts",
        "ValueError: the event for this visit cannot be built",
    )
    counted = _set_aside_count()
    await chore(booking.runtime.pool)  # set aside: not tried again and again
    assert await _has_contact(booking, stuck) and _set_aside_count() == counted
    school = await booking.client.get("/v1/operations/set-aside", headers=booking.auth("school", orgnr))
    assert school.status_code == 403


def _set_aside_count() -> float:
    labels = {"service": "booking", "loop": "housekeeping:visit_contacts"}
    return REGISTRY.get_sample_value("outreach_set_aside_total", labels) or 0.0
