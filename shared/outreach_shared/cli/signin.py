"""`outreach signin-link ...`: a single-use sign-in link (15 minutes) straight to an account, from the portal, for
support and tests. It needs what `outreach token` needs: it calls the portal as a national organiser."""

from typing import Annotated

import typer

from outreach_shared.cli.errors import EXIT_USAGE, fail
from outreach_shared.cli.http_client import call
from outreach_shared.cli.settings import get_settings

signin_app = typer.Typer(help="Single-use sign-in links (15 minutes) from the portal at OUTREACH_PORTAL_URL.",
                         no_args_is_help=True)  # fmt: skip


def _link(body: dict[str, object]) -> None:
    made = call("POST", f"{get_settings().portal_url.rstrip('/')}/v1/signin-links", json_body=body)
    typer.echo(made["url"])
    typer.echo(f"valid once, until {made['expires_at']}", err=True)


@signin_app.command("organiser")
def signin_organiser(
    fylke: Annotated[list[str] | None, typer.Option("--fylke", help="Limit to a county (fylkesnummer, e.g. 50); "
                                                    "repeatable.")] = None,
    kommune: Annotated[list[str] | None, typer.Option("--kommune", help="Limit to a municipality (kommunenummer, "
                                                      "e.g. 5001); repeatable.")] = None,
) -> None:
    """A link that signs in as an organiser: national, or limited to the counties and municipalities given."""
    _link({"role": "organiser", "fylker": fylke or [], "kommuner": kommune or []})


@signin_app.command("school")
def signin_school(orgnr: Annotated[str, typer.Argument(help="The school's 9-digit organisasjonsnummer.")]) -> None:
    """A link that signs in as the contact of a school."""
    if not (len(orgnr) == 9 and orgnr.isdigit()):
        fail("an organisasjonsnummer has 9 digits", EXIT_USAGE)
    _link({"role": "school", "subject": orgnr})


@signin_app.command("member")
def signin_member(member_id: Annotated[str, typer.Argument(help="The member's id from the roster.")]) -> None:
    """A link that signs in as a member."""
    _link({"role": "member", "subject": member_id})
