"""The members' gathering pages: what waits for an answer comes first, the QR code is a plain inline SVG, needs
training would refuse are named before they are sent, and every state of a gathering renders."""

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import segno

from portal import i18n
from portal.entrypoints.gathering_pages import VERIFICATION_CODE, arranged, needs_errors, qr_svg, shown
from portal.entrypoints.pages import environment

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def gathering(id: str, state: str, **changes: Any) -> dict[str, Any]:
    at = NOW + timedelta(days=30)
    base = {
        "id": id, "title": f"Samling {id}", "status": "published",
        "starts_at": at.isoformat(), "ends_at": (at + timedelta(hours=6)).isoformat(),
        "sessions": [{"title": "Fortellerteknikk", "kind": "storytelling", "starts_at": at.isoformat(),
                      "ends_at": (at + timedelta(hours=2)).isoformat()}],
        "venue": {"name": "Scandic Ringsaker", "address": "Hamarvegen 1", "kommunenummer": "3403"},
        "region": ["34"], "registration_opens": (NOW - timedelta(days=1)).isoformat(),
        "registration_closes": (NOW + timedelta(days=10)).isoformat(),
        "withdrawal_deadline": (NOW + timedelta(days=9)).isoformat(), "capacity": 20, "places_left": 3,
        "cancel_reason": None, "completed_at": None, "my_state": state, "waitlist_position": None,
        "offer_expires_at": None, "registered_at": None, "checked_in_at": None, "dietary": None,
        "accessibility": None, "needs_accommodation": False, "check_in_code": None,
        "can_register": state in ("invited", "withdrawn"),
        "can_withdraw": state in ("registered", "waitlisted", "offered"),
    }  # fmt: skip
    return {**base, **changes}


def test_invitations_and_offers_come_first_soonest_deadline_first_then_the_rest_in_trainings_order() -> None:
    found = [shown(g) for g in [
        gathering("a", "registered"),
        gathering("b", "invited", registration_closes=(NOW + timedelta(days=20)).isoformat()),
        gathering("c", "offered", offer_expires_at=(NOW + timedelta(hours=20)).isoformat()),
        gathering("d", "invited", can_register=False),  # registration closed: nothing to answer any more
        gathering("e", "invited"),
        gathering("f", "trained", status="completed"),
    ]]  # fmt: skip
    waiting, mine = arranged(found)
    assert [g["id"] for g in waiting] == ["c", "e", "b"]
    assert [g["id"] for g in mine] == ["a", "d", "f"]
    assert waiting[0]["deadline"] == NOW + timedelta(hours=20)


def test_a_gathering_is_shown_with_names_for_its_place_region_and_agenda() -> None:
    with i18n.speaking("nb"):
        found = shown(gathering("a", "waitlisted", waitlist_position=2, region=[]))
    assert found["venue"]["municipality"] == "Hamar"
    assert found["region_names"] == []
    assert found["sessions"][0]["kind_text"] == "Historiefortelling"
    assert found["starts_at"] == NOW + timedelta(days=30)
    assert shown(gathering("b", "invited"))["region_names"] == ["Innlandet"]


def test_the_qr_code_is_a_full_qr_code_of_the_check_in_code_in_an_inline_svg_without_style() -> None:
    svg = str(qr_svg("K7QX-M2PD", "QR code for K7QX-M2PD"))
    assert svg.startswith('<svg role="img" ') and svg.endswith("</svg>")
    assert "<title>QR code for K7QX-M2PD</title>" in svg
    assert "style" not in svg and "data:" not in svg and "<script" not in svg
    assert 'class="gathering-qr"' in svg and "viewBox" in svg
    expected = segno.make_qr("K7QX-M2PD", error="m")
    assert not expected.is_micro  # phone cameras do not read Micro QR codes
    size = expected.symbol_size(scale=1, border=4)[0]
    assert f'viewBox="0 0 {size} {size}"' in svg


@pytest.mark.parametrize(("text", "refused"), [
    ("vegetar", False), ("", False), ("x" * 1000, False), ("linje 1\nlinje 2\ttab", False),
    ("x" * 1001, True), ("nul\x00byte", True), ("bell\x07", True),
])  # fmt: skip
def test_needs_training_would_refuse_are_named_by_field(text: str, refused: bool) -> None:
    with i18n.speaking("en"):
        errors = needs_errors({"dietary": text, "accessibility": ""})
    assert ("dietary" in errors) is refused
    assert "accessibility" not in errors


def _render(name: str, context: dict[str, Any]) -> str:
    request = SimpleNamespace(state=SimpleNamespace(csrf_token="t"), url=SimpleNamespace(path="/gatherings"))
    with i18n.speaking("nn"):
        return environment.get_template(name).render(request=request, lang="nn", languages=[], navigation=[],
                                                      **context)  # fmt: skip


@pytest.mark.parametrize(("state", "changes", "says"), [
    ("invited", {}, ["Meld deg på", 'name="dietary"', 'name="accessibility"', 'action="/gatherings/a/register"']),
    ("invited", {"places_left": 0}, ["venteliste"]),
    ("registered", {"check_in_code": "K7QX-M2PD", "dietary": "vegetar"}, ["/gatherings/a/check-in", "vegetar",
                                                                         "/gatherings/a/withdraw"]),
    ("waitlisted", {"waitlist_position": 3}, ["nummer 3"]),
    ("offered", {"offer_expires_at": (NOW + timedelta(hours=20)).isoformat()},
     ['action="/gatherings/a/accept"', "2. mars 2027 kl. 06:00"]),
    ("withdrawn", {}, ['action="/gatherings/a/register"']),
    ("checked_in", {"can_withdraw": False}, ["sjekka inn"]),
    ("trained", {"status": "completed", "can_withdraw": False}, ["/gatherings/a/certificate"]),
    ("registered", {"status": "cancelled", "cancel_reason": "Uvêr", "can_withdraw": False}, ["Avlyst", "Uvêr"]),
])  # fmt: skip
def test_every_state_of_a_gathering_renders_what_the_member_can_do(state: str, changes: dict, says: list) -> None:
    with i18n.speaking("nn"):
        page = _render("gathering_page.html", {"gathering": shown(gathering("a", state, **changes)), "errors": {},
                                               "given": {}, "done": None, "refusal": None})  # fmt: skip
    for text in says:
        assert text in page, text
    assert not re.search(r"\sstyle=", page)
    if state not in ("invited", "withdrawn"):
        assert 'name="dietary"' not in page


def test_the_check_in_page_and_the_proof_of_training_render() -> None:
    g = shown(gathering("a", "registered", check_in_code="K7QX-M2PD"))
    page = _render("gathering_check_in.html", {"gathering": g, "code": "K7QX-M2PD", "qr": qr_svg("K7QX-M2PD", "QR")})
    assert "K7QX-M2PD" in page and "<svg" in page
    proof = shown({"verification_code": "AAAA-BBBB-CCCC-DDDD", "gathering_id": "a", "title": "Årssamling",
                   "starts_at": NOW.isoformat(), "ends_at": NOW.isoformat(), "region": [],
                   "completed_at": NOW.isoformat()})  # fmt: skip
    check = "https://jobbvinner.no/bevis/AAAA-BBBB-CCCC-DDDD"
    page = _render("gathering_certificate.html", {"proof": proof, "name": "Cato Hamar", "check": check})
    assert "Cato Hamar" in page and "AAAA-BBBB-CCCC-DDDD" in page and "Årssamling" in page
    assert f'href="{check}"' in page
    page = _render("gathering_verify.html", {"proof": proof})
    assert "Kursbeviset er ekte" in page and "Årssamling" in page and "Cato" not in page
    assert "Vi fann ikkje" in _render("gathering_verify.html", {"proof": None})


@pytest.mark.parametrize(("code", "looks_right"), [
    ("BY8R-ESMA-KJQH-A45T", True), ("by8resmakjqha45t", True), ("BY8R-ESMA-KJQH-A45", False),
    ("BY8R-ESMA-KJQH-A45O", False), ("BY8R ESMA KJQH A45T", False), ("../../v1/gatherings", False),
])  # fmt: skip
def test_only_what_can_be_a_verification_code_is_asked_of_training(code: str, looks_right: bool) -> None:
    assert bool(VERIFICATION_CODE.fullmatch(code)) is looks_right
