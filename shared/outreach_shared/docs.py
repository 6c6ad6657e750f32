"""Generate the events catalogue page (shared/docs/events.md) from the contracts: `python -m outreach_shared.docs`."""

import sys
from pathlib import Path
from typing import Any

from outreach_shared.contracts import ALL_TOPICS, CATALOGUE

HEADER = """# Events catalogue

Generated from `shared/outreach_shared/contracts/` by `make docs`; a test fails when it is stale.
Every event travels in the same envelope (`event_id`, `type`, `schema_version`, `occurred_at`, `producer`,
`correlation_id`, `causation_id`, `key`, `payload`) as the Kafka record value, keyed by `key` (the aggregate id),
so events of one aggregate keep their order. Each running service also serves its AsyncAPI document at
`/asyncapi` (page) and `/asyncapi.json`.

Personal data travels only on the two compacted topics (`outreach.members`, `outreach.visit-contacts`): the
erasure event becomes the latest record of its key, so compaction removes the older records that held the data.
The one exception is `outreach.sign-in` (an address and its sign-in link for notify to mail), kept one day.
"""


def _field_type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_field_type(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list[{_field_type(schema.get('items', {}))}]"
    if "enum" in schema:
        return " / ".join(f"`{v}`" for v in schema["enum"])
    return str(schema.get("format") or schema.get("type", "object"))


def render() -> str:
    """The whole page."""
    lines = [HEADER, "## Topics", "", "| topic | partitions | compacted |", "|---|---|---|"]
    lines += [f"| `{t.name}` | {t.partitions} | {'yes' if t.compacted else 'no'} |" for t in ALL_TOPICS]
    for topic in ALL_TOPICS:
        specs = [s for s in CATALOGUE.values() if s.topic == topic.name]
        if not specs:
            continue
        lines += ["", f"## `{topic.name}`", ""]
        for spec in specs:
            schema = spec.model.model_json_schema()
            fields = ", ".join(f"`{name}`: {_field_type(prop)}" for name, prop in schema["properties"].items())
            lines += [f"### `{spec.type}` v{spec.version} — from {spec.producer}", "", spec.description, "",
                      f"Payload `{spec.model.__name__}`: {fields}", ""]
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    """Write shared/docs/events.md under the repository root given as the first argument (default: cwd)."""
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    target = root / "shared" / "docs" / "events.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
