"""The organisers' gatherings pages' pure code: the draft form to and from training's body, the list's pages, the
participants by where they stand, the live part's signature and the codes typed or scanned."""

from portal.domain import organiser_gatherings as og

GATHERING = {
    "id": "g1", "status": "draft", "title": "Årssamling", "capacity": 40, "region": ["15"], "audience": ["nurse"],
    "venue": {"name": "Thon", "address": "Gata 1", "kommunenummer": "1507"},
    "starts_at": "2027-03-04T08:00:00+00:00", "ends_at": "2027-03-04T15:00:00+00:00",
    "registration_opens": "2027-01-01T08:00:00+00:00", "registration_closes": "2027-02-01T08:00:00+00:00",
    "withdrawal_deadline": "2027-02-15T08:00:00+00:00",
    "sessions": [{"title": "Fortelling", "kind": "storytelling", "starts_at": "2027-03-04T08:00:00+00:00",
                  "ends_at": "2027-03-04T10:00:00+00:00"}],
    "counts": {"invited": 3, "registered": 1, "waiting": 0, "offered": 0, "checked_in": 0},
}  # fmt: skip


def test_a_draft_goes_through_the_form_and_back_to_the_same_body_in_norways_time() -> None:
    draft = og.form_of(GATHERING)
    assert draft.values["starts_at"] == "2027-03-04T09:00"  # Oslo is UTC+1 in March
    assert draft.values["venue-kommunenummer"] == "1507"
    assert draft.session_rows == 1 + og.SESSION_ROWS
    body = og.api_body(draft)
    assert draft.errors == {}
    assert body["starts_at"] == "2027-03-04T09:00:00+01:00"
    assert body["venue"] == GATHERING["venue"] and body["region"] == ["15"] and body["capacity"] == 40
    session = {"title": "Fortelling", "kind": "storytelling", "starts_at": "2027-03-04T09:00:00+01:00",
               "ends_at": "2027-03-04T11:00:00+01:00"}  # fmt: skip
    assert body["sessions"] == [session]


def test_what_the_portal_can_tell_itself_is_named_by_field_and_trainings_fields_map_to_the_inputs() -> None:
    draft = og.typed_form({"title": "X", "capacity": "many", "starts_at": "9999-99-99T00:00", "sessions-2-title": "Y",
                           "region": ["03"], "csrf_token": "t"})  # fmt: skip
    og.api_body(draft)
    assert {"capacity", "starts_at", "ends_at", "sessions-2-starts_at", "sessions-2-ends_at"} <= set(draft.errors)
    assert "csrf_token" not in draft.values and draft.session_rows == 3 + og.SESSION_ROWS
    assert og.form_field("venue.kommunenummer") == "venue-kommunenummer"
    assert og.form_field("sessions.0.ends_at") == "sessions-0-ends_at"


def test_a_page_shows_one_fewer_than_asked_and_points_past_its_last_row() -> None:
    rows = [{"id": f"g{i}"} for i in range(og.PER_PAGE + 1)]
    assert og.page_of(rows).next_after == f"g{og.PER_PAGE - 1}" and len(og.page_of(rows).rows) == og.PER_PAGE
    assert og.page_of(rows[:3]).next_after is None


def test_participants_are_grouped_the_waiting_in_line_and_certificates_are_those_with_a_code() -> None:
    people = [{"member_id": "a", "status": "waitlisted", "position": 2}, {"member_id": "b", "status": "confirmed"},
              {"member_id": "c", "status": "waitlisted", "position": 1}, {"member_id": "d", "status": "withdrawn"},
              {"member_id": "o", "status": "offered", "offer_expires_at": "2027-03-01T08:00:00+00:00"},
              {"member_id": "e", "status": "confirmed", "verification_code": "AAAA-BBBB-CCCC-DDDD"}]  # fmt: skip
    groups = og.grouped(people)
    assert [p["member_id"] for p in groups["waitlisted"]] == ["c", "a"]
    assert [p["member_id"] for p in groups["confirmed"]] == ["b", "e"]
    assert [p["member_id"] for p in og.certificates(people)] == ["e"]
    assert groups["offered"][0]["offer_expires_at"].hour == 8  # a datetime, for the pages' `when`


def test_the_live_signature_changes_with_what_the_page_shows_and_only_then() -> None:
    people = [{"member_id": "b", "status": "confirmed"}]
    same = og.signature(GATHERING, people)
    assert og.signature(GATHERING, [dict(p) for p in people]) == same
    assert og.signature(GATHERING, [{**people[0], "checked_in_at": "2027-03-04T08:00:00+00:00"}]) != same


def test_codes_are_shown_in_groups_and_read_from_what_a_qr_code_holds() -> None:
    assert og.display_code("k7qx m2pd") == "K7QX-M2PD"
    assert og.scanned_code(" K7QX-M2PD \n") == "K7QX-M2PD"
    assert og.scanned_code("https://example.no/samlinger/g1/kode/K7QXM2PD") == "K7QXM2PD"
    assert og.done_message("published") and og.done_message("nonsense") is None
