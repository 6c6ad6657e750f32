"""Demo data for `make up` (a stub for now: it seeds nothing).

The launcher calls `seed(urls, tokens)` once every service is ready, unless `--no-demo`:
- `urls` maps a service name to its base URL, e.g. {"booking": "http://127.0.0.1:8001", ...}, and has
  "mailcatcher" for the mail catcher's HTTP API;
- `tokens` maps "organiser", "school" and "member" to bearer tokens signed with the services' secret.
It may be sync or async. It returns a summary the launcher prints (key: value lines); a "tokens" key (a dict
like `tokens`) replaces the tokens shown on the screen, e.g. with a member that really exists after seeding.
It must be idempotent: `make up` runs it at every start, on data kept from earlier runs.
"""

from __future__ import annotations

from typing import Any


def seed(urls: dict[str, str], tokens: dict[str, str]) -> dict[str, Any]:
    """Seed the demo data through the services' public APIs; return a summary (empty: nothing seeded yet)."""
    return {}
