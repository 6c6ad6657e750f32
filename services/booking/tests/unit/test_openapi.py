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
