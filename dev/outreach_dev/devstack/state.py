"""The state dir of `make up` (`.local/`): one launcher at a time, the secrets kept in it, the CLI's env file."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from outreach_shared.signing import SigningKey, jwks

from .processes import LaunchError, say


def repo_root(start: Path | None = None) -> Path:
    """The nearest ancestor of `start` (default: cwd) with a uv workspace pyproject, else `start`."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and "[tool.uv.workspace]" in pyproject.read_text(errors="replace"):
            return candidate
    return here


@contextlib.contextmanager
def locked_state(state: Path, fresh: bool) -> Iterator[Path]:
    """Hold an exclusive lock on `state` (one launcher per state dir); with `fresh`, wipe it first."""
    state.mkdir(parents=True, exist_ok=True)
    with (state / ".lock").open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LaunchError(f"another outreach-up is using {state}") from None
        if fresh:
            say(f"--fresh: wiping {state}")
            for child in state.iterdir():
                if child.name != ".lock":
                    _remove(child)
        (state / "logs").mkdir(exist_ok=True)
        yield state


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the owner only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.chmod(path, 0o600)


def load_secrets(path: Path, services: list[str]) -> dict[str, Any]:
    """The development signing key (PEM; the services trust its public half) and each service's database password:
    generated once, kept in `path` (0600). A JWT secret left by an older version is dropped."""
    data: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}
    before = json.dumps(data, sort_keys=True)
    data.pop("jwt_secret", None)
    try:
        SigningKey.from_pem(data.get("signing_key", ""))
    except (ValueError, TypeError):
        data["signing_key"] = SigningKey.generate().pem()
    passwords = data.setdefault("db_passwords", {})
    for name in services:
        passwords.setdefault(name, secrets.token_urlsafe(24))
    if json.dumps(data, sort_keys=True) != before or not path.is_file():
        write_private(path, json.dumps(data, indent=2) + "\n")
    return data


def development_key(secrets_: dict[str, Any]) -> SigningKey:
    """The development signing key kept in secrets.json."""
    return SigningKey.from_pem(secrets_["signing_key"])


def trusted_jwks(key: SigningKey) -> str:
    """The JWKS (JSON) of the key's public half: every service's `<PREFIX>JWT_PUBLIC_KEYS`."""
    return json.dumps(jwks([key.public_jwk()]))


def write_cli_env(state: Path, key: SigningKey, bootstrap: str, urls: dict[str, str]) -> None:
    """`.local/cli.env`: what the `outreach` CLI needs to talk to this stack (0600): the development signing key's
    PEM on one line, single-quoted, its line breaks written `\\n` (the CLI reads them back)."""
    pem = key.pem().strip().replace("\n", "\\n")
    env = {"OUTREACH_SIGNING_KEY": f"'{pem}'", "OUTREACH_KAFKA_BOOTSTRAP_SERVERS": bootstrap}
    env |= {f"OUTREACH_{name.upper()}_URL": url for name, url in urls.items() if name != "mailcatcher"}
    write_private(state / "cli.env", "".join(f"{k}={v}\n" for k, v in env.items()))
