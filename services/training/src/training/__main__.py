"""Run the training service: `python -m training` serves, `python -m training migrate` migrates."""

import asyncio
import sys

from outreach_shared.db import apply_migrations
from outreach_shared.runtime import serve
from training.bootstrap import SERVICE
from training.settings import get_settings


def main() -> None:
    """Serve the service, or apply its migrations with the `migrate` argument."""
    if sys.argv[1:] == ["migrate"]:
        settings = get_settings()
        schema = settings.database_schema or SERVICE.schema
        dsn = settings.database_url.get_secret_value()
        applied = asyncio.run(apply_migrations(dsn, schema, SERVICE.migrations_dir))
        print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none'}")
        return
    serve(SERVICE)


if __name__ == "__main__":
    main()
