"""`python -m ambassadors` serves; `migrate` applies migrations; `import-members FILE` imports a roster."""

import argparse
import asyncio
import json
import sys
import uuid
from pathlib import Path

from ambassadors.bootstrap import SERVICE
from ambassadors.settings import get_settings
from outreach_shared import db
from outreach_shared.runtime import serve


async def _import(raw: bytes, dsn: str) -> int:
    from pydantic import BaseModel

    from ambassadors.service_layer.roster_import import RosterRejected, decode_csv, import_roster
    from ambassadors.service_layer.unit_of_work import Work
    from outreach_shared.contracts import new_envelope
    from outreach_shared.outbox import enqueue

    settings = get_settings()
    text = decode_csv(raw)
    correlation_id = f"import:{uuid.uuid4()}"
    await db.apply_migrations(dsn, SERVICE.schema, SERVICE.migrations_dir)
    pool = await db.create_pool(dsn, SERVICE.schema, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn, conn.transaction():

            async def emit(event: BaseModel, key: str) -> None:
                envelope = new_envelope(event, key=key, producer=SERVICE.name, correlation_id=correlation_id)
                await enqueue(conn, envelope)

            report = await import_roster(Work(conn, emit, correlation_id, settings.matching_config()), text)
    except RosterRejected as exc:
        print(exc.detail, file=sys.stderr)
        for p in exc.problems:
            print(f"line {p.line}: {p.reason}", file=sys.stderr)
        return 1
    finally:
        await pool.close()
    print(json.dumps({k: len(v) for k, v in vars(report).items()}))
    return 0


def main() -> None:
    """Serve, migrate, or import a roster file."""
    parser = argparse.ArgumentParser(prog="ambassadors")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve")
    commands.add_parser("migrate")
    imp = commands.add_parser("import-members", help="import a roster CSV (all rows or none)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dsn", default=None, help="defaults to AMBASSADORS_DATABASE_URL")
    args = parser.parse_args()
    settings = get_settings()
    dsn = settings.database_url.get_secret_value()
    if args.command == "migrate":
        print(asyncio.run(db.apply_migrations(dsn, SERVICE.schema, SERVICE.migrations_dir)))
    elif args.command == "import-members":
        sys.exit(asyncio.run(_import(args.file.read_bytes(), args.dsn or dsn)))
    else:
        serve(SERVICE)


if __name__ == "__main__":
    main()
