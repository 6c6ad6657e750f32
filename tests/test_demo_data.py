"""The demo data `make up` seeds is valid by the services' own rules (checked without starting anything)."""

from collections import Counter

from ambassadors.service_layer.roster_import import validate_roster
from outreach_dev.devstack import demo
from outreach_shared.municipalities import load_register
from outreach_shared.orgnr import is_valid_orgnr


def test_demo_roster_is_accepted_by_the_roster_import_rules():
    rows = validate_roster(demo.roster_csv())
    assert len(rows) == 60
    professions = Counter(fields.profession for _, fields, _ in rows)
    assert professions["nurse"] > 0 and professions["health_worker"] > 0
    assert {fields.kommunenummer for _, fields, _ in rows} == set(demo.PLACES)
    assert len({fields.email for _, fields, _ in rows}) == 60, "e-mails identify members on re-import"


def test_demo_roster_is_the_same_every_time_so_seeding_twice_changes_nothing():
    assert demo.roster_csv() == demo.roster_csv()


def test_demo_places_and_schools_are_real_municipalities_with_valid_organisation_numbers():
    register = load_register()
    for number, name in demo.PLACES.items():
        assert register.get(number).name == name
    assert len(demo.SCHOOLS) == 12
    assert all(is_valid_orgnr(orgnr) for orgnr, _, _ in demo.SCHOOLS)
    assert len({orgnr for orgnr, _, _ in demo.SCHOOLS}) == 12
    assert {kommune for _, _, kommune in demo.SCHOOLS} <= set(demo.PLACES)


def test_trysil_has_no_health_workers_so_the_demo_request_for_one_is_unfulfilled():
    rows = validate_roster(demo.roster_csv())
    assert not [f for _, f, _ in rows if f.kommunenummer == "3421" and f.profession == "health_worker"]


def test_every_place_but_trysil_has_both_professions_so_the_demo_visits_can_be_staffed():
    rows = validate_roster(demo.roster_csv())
    for place in demo.PLACES:
        professions = {f.profession for _, f, _ in rows if f.kommunenummer == place}
        assert professions == ({"nurse"} if place == "3421" else {"nurse", "health_worker"}), place


def test_the_demo_visit_requests_keep_the_time_rules_of_a_school_visit():
    from datetime import UTC, datetime

    from booking.domain.times import WindowPolicy, check_windows
    from outreach_dev.devstack.launcher import booking_body
    from outreach_shared.contracts.common import TimeWindow

    for body in (demo._visit_body("974760673", "Skolen", "5001", ["nurse"], days=14), booking_body()):
        windows = [TimeWindow.model_validate(w) for w in body["windows"]]
        check_windows(windows, kind=body["kind"], now=datetime.now(UTC), policy=WindowPolicy())
