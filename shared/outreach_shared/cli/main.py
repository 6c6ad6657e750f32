"""Command tree of `outreach`."""

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from outreach_shared.auth import Role
from outreach_shared.cli import ops
from outreach_shared.cli.errors import EXIT_USAGE, fail
from outreach_shared.cli.http_client import call
from outreach_shared.cli.settings import get_settings, signing_key
from outreach_shared.cli.signin import signin_app
from outreach_shared.regions import NATIONAL, Region, UnknownArea
from outreach_shared.signing import ACCESS_TOKEN_TTL, AUDIENCES, mint_token

app = typer.Typer(
    name="outreach",
    help="Organiser tools for Jobbvinner outreach: tokens, rosters, visits, gatherings, stats and operations.\n\n"
    "Exit codes: 0 ok, 2 usage, 3 refused by a service (4xx), 4 a service or Kafka/Postgres unreachable.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
token_app = typer.Typer(
    help="Mint bearer tokens signed with OUTREACH_SIGNING_KEY (a development key the services trust), for every "
    "service; they live 15 minutes unless --ttl-minutes says otherwise.",
    no_args_is_help=True,
)
members_app = typer.Typer(help="The roster of ambassadors and patrol members.", no_args_is_help=True)
visits_app = typer.Typer(help="Schools' visit requests.", no_args_is_help=True)
gatherings_app = typer.Typer(help="Annual gatherings.", no_args_is_help=True)
dead_letters_app = typer.Typer(help="Messages no consumer could handle.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(members_app, name="members")
app.add_typer(visits_app, name="visits")
app.add_typer(gatherings_app, name="gatherings")
app.add_typer(dead_letters_app, name="dead-letters")
app.add_typer(signin_app, name="signin-link")

TtlMinutes = Annotated[int, typer.Option("--ttl-minutes", help="Minutes until the token expires.", min=1)]
TtlDays = Annotated[
    int | None,
    typer.Option("--ttl-days", help="Days until the token expires, instead of --ttl-minutes: for development "
                 "scripts only (the services' own tokens live 15 minutes).", min=1),
]
DEFAULT_TTL_MINUTES = int(ACCESS_TOKEN_TTL.total_seconds() // 60)


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _mint(role: Role, subject: str | None, ttl_minutes: int, ttl_days: int | None, region: Region = NATIONAL) -> None:
    ttl = timedelta(days=ttl_days) if ttl_days is not None else timedelta(minutes=ttl_minutes)
    typer.echo(mint_token(signing_key(), role, subject, audience=AUDIENCES, ttl=ttl, region=region))


@token_app.command("organiser")
def token_organiser(
    ttl_minutes: TtlMinutes = DEFAULT_TTL_MINUTES,
    ttl_days: TtlDays = None,
    fylke: Annotated[list[str] | None, typer.Option("--fylke", help="Limit to a county (fylkesnummer, e.g. 50); "
                                                    "repeatable.")] = None,
    kommune: Annotated[list[str] | None, typer.Option("--kommune", help="Limit to a municipality (kommunenummer, "
                                                      "e.g. 5001); repeatable.")] = None,
) -> None:
    """A token for an organiser: national (sees and manages everything), or limited to the counties and
    municipalities given with --fylke and --kommune."""
    try:
        region = Region.of(fylke or (), kommune or ())
    except UnknownArea as exc:
        fail(str(exc), EXIT_USAGE)
    _mint("organiser", None, ttl_minutes, ttl_days, region)


@token_app.command("school")
def token_school(orgnr: Annotated[str, typer.Argument(help="The school's 9-digit organisasjonsnummer.")],
                 ttl_minutes: TtlMinutes = DEFAULT_TTL_MINUTES, ttl_days: TtlDays = None) -> None:
    """A token for a school: it may book and follow its own visits only."""
    if not (len(orgnr) == 9 and orgnr.isdigit()):
        fail("an organisasjonsnummer has 9 digits", EXIT_USAGE)
    _mint("school", orgnr, ttl_minutes, ttl_days)


@token_app.command("member")
def token_member(member_id: Annotated[str, typer.Argument(help="The member's id from the roster.")],
                 ttl_minutes: TtlMinutes = DEFAULT_TTL_MINUTES, ttl_days: TtlDays = None) -> None:
    """A token for an ambassador or patrol member: their offers, inbox and registrations."""
    _mint("member", member_id, ttl_minutes, ttl_days)


@members_app.command("import")
def members_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Import a roster CSV: all rows are checked first; one bad row and nothing is imported."""
    url = f"{get_settings().ambassadors_url}/v1/members/import"
    _print(call("POST", url, content=file.read_bytes(), content_type="text/csv"))


@members_app.command("list")
def members_list(kommunenummer: str | None = None, fylke: str | None = None,
                 profession: str | None = None, active: bool | None = None) -> None:
    """List members, filtered."""
    params = {"kommunenummer": kommunenummer, "fylke": fylke, "profession": profession, "active": active}
    _print(call("GET", f"{get_settings().ambassadors_url}/v1/members",
                params={k: v for k, v in params.items() if v is not None}))


@visits_app.command("list")
def visits_list(
    status: str | None = None,
    kommunenummer: str | None = None,
    county: Annotated[str | None, typer.Option(help="County number (fylkesnummer), e.g. 50.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="Visit date on or after, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Visit date on or before, YYYY-MM-DD.")] = None,
    limit: int = 50,
    offset: int = 0,
) -> None:
    """List visit requests, filtered and paginated."""
    params = {"status": status, "kommunenummer": kommunenummer, "county": county, "from": date_from,
              "to": date_to, "limit": limit, "offset": offset}
    _print(call("GET", f"{get_settings().booking_url}/v1/visit-requests",
                params={k: v for k, v in params.items() if v is not None}))


@app.command("stats")
def stats() -> None:
    """Visits requested, confirmed, unfulfilled, completed and pupils reached, by municipality, county, year."""
    _print(call("GET", f"{get_settings().booking_url}/v1/stats"))


@gatherings_app.command("list")
def gatherings_list() -> None:
    """List gatherings with their counts."""
    _print(call("GET", f"{get_settings().training_url}/v1/gatherings"))


@gatherings_app.command("create")
def gatherings_create(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                                           help="A JSON file with the gathering.")]) -> None:
    """Create a gathering (as a draft) from a JSON file."""
    try:
        body = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        fail(f"{file} is not valid JSON: {exc}", EXIT_USAGE)
    _print(call("POST", f"{get_settings().training_url}/v1/gatherings", json_body=body))


@gatherings_app.command("publish")
def gatherings_publish(gathering_id: str) -> None:
    """Publish a draft gathering: every eligible member is invited."""
    _print(call("POST", f"{get_settings().training_url}/v1/gatherings/{gathering_id}/publish"))


@dead_letters_app.command("list")
def dead_letters_list(limit: int = 100) -> None:
    """List dead letters with their reason, consumer and origin (never their payload)."""
    _print(asyncio.run(ops.list_dead_letters(get_settings().kafka_bootstrap_servers, limit)))


@dead_letters_app.command("replay")
def dead_letters_replay(
    offsets: Annotated[list[int] | None, typer.Argument(help="Dead-letter offsets to replay.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Replay every dead letter.")] = False,
) -> None:
    """Publish dead letters again to their original topics (consumers' inboxes absorb duplicates)."""
    if not offsets and not all_:
        fail("name offsets to replay, or --all", EXIT_USAGE)
    replayed = asyncio.run(ops.replay_dead_letters(get_settings().kafka_bootstrap_servers, offsets, all_))
    typer.echo(f"replayed {replayed} dead letter(s)")


@app.command("migrate")
def migrate(service: Annotated[str, typer.Argument(help="A service name, or 'all'.")] = "all") -> None:
    """Apply pending database migrations (each service with its own settings: <SERVICE>_DATABASE_URL)."""
    for name, applied in ops.migrate(service):
        typer.echo(f"{name}: {len(applied)} migration(s) applied" + (f" ({', '.join(applied)})" if applied else ""))


if __name__ == "__main__":
    app()
