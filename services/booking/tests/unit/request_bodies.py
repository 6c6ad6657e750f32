"""A valid visit request body for unit tests, with changes by path (`contact__phone="12"`)."""

from typing import Any


def body(**changes: Any) -> dict[str, Any]:
    """A valid body; each keyword replaces one field, nested fields named with `__` between the levels."""
    base: dict[str, Any] = {
        "school": {"orgnr": "974760673", "name": "Byskolen", "kommunenummer": "0301", "address": "Gata 1"},
        "contact": {"name": "Kari Lærer", "email": "kari@skole.no", "phone": "412 34 567"},
        "kind": "school_visit",
        "audience": {"description": "10. trinn", "pupils": 60},
        "professions": ["nurse"],
        "language": "nb",
        "windows": [{"start": "2026-04-01T09:00:00+02:00", "end": "2026-04-01T12:00:00+02:00"}],
    }
    for path, value in changes.items():
        target = base
        *parents, leaf = path.split("__")
        for p in parents:
            target = target[p]
        target[leaf] = value
    return base
