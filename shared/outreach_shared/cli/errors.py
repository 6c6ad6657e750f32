"""Exit codes a script can rely on, and one way to fail."""

from typing import NoReturn

import typer

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_REFUSED = 3
"""The service refused the request (4xx): the input or the state is wrong."""
EXIT_UNAVAILABLE = 4
"""A service, Kafka or Postgres could not be reached, or answered 5xx."""


def fail(message: str, code: int) -> NoReturn:
    """Print the message to stderr and exit with `code`."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
