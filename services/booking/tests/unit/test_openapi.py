"""The booking API documents each operation from its signature (plain FastAPI routes)."""

from booking.bootstrap import SERVICE
from booking.settings import BookingSettings
from outreach_shared.runtime import build_app


def test_the_booking_api_documents_the_create_operation_from_its_signature() -> None:
    operation = build_app(SERVICE, BookingSettings()).openapi()["paths"]["/v1/visit-requests"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/VisitRequestIn")
    assert [p["name"] for p in operation["parameters"]] == ["Idempotency-Key"]
    assert operation["security"] == [{"HTTPBearer": []}]
    assert {"201", "401", "422", "429"} <= set(operation["responses"])


def test_the_feedback_link_operations_document_their_bounds_and_take_no_bearer_token() -> None:
    spec = build_app(SERVICE, BookingSettings()).openapi()
    path = spec["paths"]["/v1/feedback/{token}"]
    for method in ("get", "post"):
        operation = path[method]
        assert "security" not in operation
        (token,) = operation["parameters"]
        assert token["schema"]["pattern"] and token["schema"]["maxLength"] == 444
        assert {"200", "404", "410", "422"} <= set(operation["responses"])
    assert "409" in path["post"]["responses"]
    answer = spec["components"]["schemas"]["FeedbackIn"]
    assert (answer["properties"]["rating"]["minimum"], answer["properties"]["rating"]["maximum"]) == (1, 5)
    assert answer["additionalProperties"] is False and set(answer["properties"]) == {"rating", "comment"}
    assert "2000" in str(answer["properties"]["comment"])


def test_a_school_s_list_documents_status_as_repeatable() -> None:
    spec = build_app(SERVICE, BookingSettings()).openapi()
    status = next(p for p in spec["paths"]["/v1/visit-requests"]["get"]["parameters"] if p["name"] == "status")
    assert "array" in str(status["schema"]) and "maxItems" in str(status["schema"])
