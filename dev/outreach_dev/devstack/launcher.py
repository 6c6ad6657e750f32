"""`outreach-up` (`make up`): Kafka, PostgreSQL, the mail catcher and every installed service on one machine.

State lives in `.local/` at the repo root (or `--state-dir` / env OUTREACH_STATE_DIR): Kafka's and
PostgreSQL's data (kept across runs; `--fresh` wipes), `secrets.json` (0600), `logs/<name>.log`,
`asyncapi/`, `mail/`, `sms.jsonl`. KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL (an admin DSN) point it at
existing infrastructure.
Each service runs as its own process group; Ctrl-C (or SIGTERM) stops everything in reverse order.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import importlib.util
import inspect
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback
import typing
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as dtime
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from outreach_dev.testing.windows import school_day

from ._util import LOCALHOST, tail

if typing.TYPE_CHECKING:
    from outreach_shared.runtime import ServiceDefinition
    from outreach_shared.settings import ServiceSettings

SERVICE_GROUP = "outreach.services"
DEFAULT_PORTS = {"booking": 8001, "ambassadors": 8002, "training": 8003, "notify": 8004}
MAIL_HTTP_PORT, MAIL_SMTP_PORT = 8025, 1025
KAFKA_PORTS, POSTGRES_PORT = (9092, 9093), 5432
DEMO_ORGNR = "974760673"
DEMO_MEMBER_ID = "3f9c2a8e-5b1d-4c7e-9a2f-0d6b8e1c4a75"
STOP_SECONDS = 15.0


class LaunchError(Exception):
    """A component failed; the message names it and where its log is."""


def say(message: str) -> None:
    """Print one progress line."""
    print(f"outreach-up: {message}", flush=True)


# ---------------------------------------------------------------- state and secrets


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
    """The dev JWT secret and each service's database password: generated once, kept in `path` (0600)."""
    data: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}
    before = json.dumps(data, sort_keys=True)
    if len(data.get("jwt_secret", "")) < 32:
        data["jwt_secret"] = secrets.token_urlsafe(48)
    passwords = data.setdefault("db_passwords", {})
    for name in services:
        passwords.setdefault(name, secrets.token_urlsafe(24))
    if json.dumps(data, sort_keys=True) != before or not path.is_file():
        write_private(path, json.dumps(data, indent=2) + "\n")
    return data


# ---------------------------------------------------------------- services


@dataclass
class InstalledService:
    """A service found through the `outreach.services` entry points; `error` if it does not import."""

    name: str
    entry_point: EntryPoint
    definition: ServiceDefinition | None = None
    error: str | None = None


def discover_services() -> list[InstalledService]:
    """Every installed service, in the default port order; import failures are kept, not raised."""
    found = []
    for ep in entry_points(group=SERVICE_GROUP):
        service = InstalledService(ep.name, ep)
        try:
            service.definition = ep.load()
        except Exception as exc:  # a half-written service must not stop the others
            service.error = f"{type(exc).__name__}: {exc}"
        found.append(service)
    order = list(DEFAULT_PORTS)
    return sorted(found, key=lambda s: (order.index(s.name) if s.name in order else len(order), s.name))


def settings_class(definition: ServiceDefinition) -> type[ServiceSettings]:
    """The settings class behind `definition.settings_factory` (its return annotation, else an instance's)."""
    factory = definition.settings_factory
    target = getattr(factory, "__wrapped__", factory)
    with contextlib.suppress(Exception):
        hint = typing.get_type_hints(target).get("return")
        if isinstance(hint, type):
            return hint
    return type(factory())


def env_prefix(cls: type[ServiceSettings], name: str) -> str:
    """The env prefix of a settings class, e.g. "BOOKING_"."""
    return str(cls.model_config.get("env_prefix") or f"{name.upper()}_")


def service_env(
    service: InstalledService,
    *,
    dsn: str,
    bootstrap: str,
    jwt_secret: str,
    port: int,
    state: Path,
    smtp_port: int,
) -> dict[str, str]:
    """The environment of a service's process: its prefixed settings (only fields its class has)."""
    assert service.definition is not None
    cls = settings_class(service.definition)
    prefix = env_prefix(cls, service.name)
    wanted = {
        "database_url": dsn,
        "kafka_bootstrap_servers": bootstrap,
        "jwt_secret": jwt_secret,
        "http_host": LOCALHOST,
        "http_port": str(port),
        "environment": "development",
        "log_json": "true",
        "smtp_host": LOCALHOST,
        "smtp_port": str(smtp_port),
        "sms_provider": "file",
        "sms_file": str(state / "sms.jsonl"),
    }
    required = {"database_url", "kafka_bootstrap_servers", "jwt_secret", "http_port"}
    fields = set(cls.model_fields)
    env = {f"{prefix}{k.upper()}": v for k, v in wanted.items() if k in fields or k in required}
    return env | {"OUTREACH_STATE_DIR": str(state), "PYTHONUNBUFFERED": "1"}


def service_command(service: InstalledService) -> list[str]:
    """`python -m <package>` when the package has a __main__, else serve its definition directly."""
    package = service.entry_point.module.split(".")[0]
    with contextlib.suppress(ImportError, ValueError):
        if importlib.util.find_spec(f"{package}.__main__") is not None:
            return [sys.executable, "-m", package]
    ep = service.entry_point
    code = f"from outreach_shared.runtime import serve; from {ep.module} import {ep.attr} as s; serve(s)"
    return [sys.executable, "-c", code]


# ---------------------------------------------------------------- processes


@dataclass
class Child:
    """A process started by the launcher, leading its own process group."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    url: str = ""
    exit_reported: bool = False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to SIGTERM this child if the launcher dies without cleaning up."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(name: str, cmd: list[str], env: dict[str, str], log_path: Path) -> Child:
    """Start `cmd` in a new session with stdout and stderr appended to `log_path`."""
    with log_path.open("ab") as log:
        log.write(
            f"\n=== {datetime.now().isoformat(timespec='seconds')} outreach-up starts {name}\n".encode()
        )
        log.flush()
        proc = subprocess.Popen(
            cmd,
            env=os.environ | env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
    return Child(name, proc, log_path)


def _signal_group(child: Child, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.proc.pid, sig)


def stop_children(children: list[Child], timeout: float = STOP_SECONDS) -> None:
    """SIGTERM every child's group (last started first), wait, SIGKILL what is left of each group."""
    for child in reversed(children):
        if child.proc.poll() is None:
            say(f"stopping {child.name}…")
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in reversed(children):
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.proc.wait(max(0.1, deadline - time.monotonic()))
        _signal_group(child, signal.SIGKILL)  # stragglers in the group, and a leader that ignored SIGTERM
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.proc.wait(5)


def port_free(port: int, host: str = LOCALHOST) -> bool:
    """True if a server could listen on host:port now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _get(url: str, timeout: float = 2.0) -> int:
    import httpx

    try:
        return httpx.get(url, timeout=timeout).status_code
    except httpx.HTTPError:
        return 0


def wait_ready(child: Child, path: str, deadline: float) -> None:
    """Poll `child.url + path` until 200; fail naming the child and its log if it exits or time runs out."""
    while time.monotonic() < deadline:
        if child.proc.poll() is not None:
            raise LaunchError(
                f"{child.name} exited with code {child.proc.returncode} during start-up; "
                f"its log: {child.log_path}\n{tail(child.log_path, 30)}"
            )
        if _get(child.url + path) == 200:
            return
        time.sleep(0.3)
    raise LaunchError(
        f"{child.name} was not ready at {child.url}{path} in time; its log: {child.log_path}\n"
        f"{tail(child.log_path, 30)}"
    )


# ---------------------------------------------------------------- infrastructure


@dataclass
class Infra:
    """Where Kafka and PostgreSQL are, and how to stop the ones started here."""

    bootstrap: str = ""
    admin_dsn: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    stops: list[Callable[[], None]] = field(default_factory=list)

    def stop(self) -> None:
        """Stop what was started here, last first."""
        for stop in reversed(self.stops):
            with contextlib.suppress(Exception):
                stop()
        self.stops.clear()


def _preferred(port: int) -> int | None:
    return port if port_free(port) else None


def _link_log(state: Path, name: str, target: Path) -> None:
    link = state / "logs" / f"{name}.log"
    with contextlib.suppress(OSError):
        link.unlink(missing_ok=True)
        link.symlink_to(os.path.relpath(target, link.parent))


def start_kafka(state: Path, infra: Infra) -> None:
    """Use KAFKA_BOOTSTRAP_SERVERS, or fetch (once) and start a local broker with data in `state`/kafka."""
    from .kafka import KAFKA_VERSION, LocalKafka, ensure_kafka_jars, kafka_libs_dir

    if env := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        infra.bootstrap, infra.sources["kafka"] = env, "KAFKA_BOOTSTRAP_SERVERS"
        say(f"using Kafka at {env} (KAFKA_BOOTSTRAP_SERVERS)")
        return
    if not (kafka_libs_dir() / ".fetched-with").is_file():
        say(f"fetching Kafka {KAFKA_VERSION} from Maven Central (first run only)…")
    ensure_kafka_jars()
    say("starting Kafka…")
    port, controller = (_preferred(p) for p in KAFKA_PORTS)
    kafka = LocalKafka(state / "kafka", port=port, controller_port=controller)
    infra.stops.append(kafka.stop)
    _link_log(state, "kafka", kafka.log_path)
    began = time.monotonic()
    try:
        kafka.start(timeout=120)
    except Exception as exc:
        raise LaunchError(f"Kafka did not start; its log: {kafka.log_path}\n{exc}") from exc
    infra.bootstrap, infra.sources["kafka"] = kafka.bootstrap_servers, "local"
    say(f"Kafka ready at {infra.bootstrap} ({time.monotonic() - began:.1f} s)")


def start_postgres(state: Path, infra: Infra) -> None:
    """Use DATABASE_URL, or start a local PostgreSQL with its cluster in `state`/postgres."""
    from .postgres import LocalPostgres

    if env := os.environ.get("DATABASE_URL"):
        infra.admin_dsn, infra.sources["postgres"] = env, "DATABASE_URL"
        say(f"using PostgreSQL at {mask_dsn(env)} (DATABASE_URL)")
        return
    say("starting PostgreSQL…")
    postgres = LocalPostgres(state / "postgres", port=_preferred(POSTGRES_PORT))
    infra.stops.append(postgres.stop)
    _link_log(state, "postgres", postgres.log_path)
    began = time.monotonic()
    try:
        postgres.start(timeout=90)
    except Exception as exc:
        raise LaunchError(f"PostgreSQL did not start; its log: {postgres.log_path}\n{exc}") from exc
    infra.admin_dsn, infra.sources["postgres"] = postgres.dsn, "local"
    say(f"PostgreSQL ready at 127.0.0.1:{postgres.port} ({time.monotonic() - began:.1f} s)")


def mask_dsn(dsn: str) -> str:
    """`dsn` with its password replaced by ***."""
    parts = urlsplit(dsn)
    if not parts.password:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


async def provision(infra: Infra, passwords: dict[str, str]) -> dict[str, str]:
    """Each service's role and schema (its DSN returned), and every topic."""
    from outreach_shared.contracts import ALL_TOPICS

    from .provision import ensure_topics, provision_service_database

    say("provisioning schemas and roles…")
    dsns = {
        name: await provision_service_database(infra.admin_dsn, name, pw) for name, pw in passwords.items()
    }
    say("creating topics…")
    await ensure_topics(infra.bootstrap, list(ALL_TOPICS))
    return dsns


# ---------------------------------------------------------------- AsyncAPI, demo, screen


def write_asyncapi(services: list[InstalledService], out_dir: Path) -> dict[str, Path]:
    """Generate each service's AsyncAPI (JSON + HTML page) with FastStream; return the HTML paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = {}
    for service in services:
        if service.definition is None:
            continue
        try:
            spec = _asyncapi_spec(service.definition)
        except Exception as exc:  # documentation must never stop the stack
            say(f"AsyncAPI for {service.name} not generated: {type(exc).__name__}: {exc}")
            continue
        from faststream.specification.asyncapi.site import get_asyncapi_html

        (out_dir / f"{service.name}.json").write_text(spec.to_json())
        pages[service.name] = out_dir / f"{service.name}.html"
        pages[service.name].write_text(get_asyncapi_html(spec, try_it_out_path=None))
    return pages


def _asyncapi_spec(definition: ServiceDefinition) -> Any:
    """The AsyncAPI 3.0 document of what `definition` publishes and (if wiring builds offline) consumes."""
    from faststream.specification import AsyncAPI

    from outreach_shared.consumer import EventConsumer
    from outreach_shared.contracts.catalogue import spec_for
    from outreach_shared.kafka import Kafka, document_publishers
    from outreach_shared.runtime import Runtime, consumers_of

    kafka = Kafka(LOCALHOST + ":9092", client_id=definition.name)  # never started: the document needs no connection
    document_publishers(kafka.broker, definition.name)
    with contextlib.suppress(Exception):  # a bootstrap that needs a live runtime: publishers only
        runtime = Runtime(definition, settings_class(definition)())
        for spec, handlers in consumers_of(definition.bootstrap(runtime), definition.name):
            consumer = EventConsumer(name=spec.name, pool=None, handlers=handlers, dead_letter=None)
            topics = sorted({spec_for(event_type).topic for event_type in handlers})
            kafka.subscribe(consumer, topics, group_id=f"outreach-{spec.name}", batch=spec.batch)
    title = definition.title or definition.name
    return AsyncAPI(
        kafka.broker, kafka.documentation, title=title, description=definition.description, schema_version="3.0.0"
    ).to_specification()


def mint_demo_tokens(secret: str) -> dict[str, str]:
    """Tokens for an organiser, the demo school and a demo member."""
    from outreach_shared.auth import mint_token

    return {
        "organiser": mint_token(secret, "organiser", ttl=timedelta(days=30)),
        "school": mint_token(secret, "school", DEMO_ORGNR, ttl=timedelta(days=365)),
        "member": mint_token(secret, "member", DEMO_MEMBER_ID, ttl=timedelta(days=30)),
    }


def run_demo(urls: dict[str, str], tokens: dict[str, str], secret: str, log_path: Path) -> dict[str, Any]:
    """Call `outreach_dev.devstack.demo:seed(urls, tokens, secret)`; a failure is reported only."""
    try:
        from outreach_dev.devstack import demo

        seed = getattr(demo, "seed", None)
        if not callable(seed):
            return {}
        say("seeding the demo…")
        result = seed(urls, tokens, secret)
        if inspect.isawaitable(result):
            result = asyncio.run(_await(result))
        return dict(result or {})
    except Exception:
        with log_path.open("a") as log:
            log.write(f"\n=== {datetime.now().isoformat(timespec='seconds')} demo seeding failed\n")
            log.write(traceback.format_exc())
        say(f"demo seeding failed (the services keep running); see {log_path}")
        return {}


async def _await(awaitable: Any) -> Any:
    return await awaitable


def booking_body(now: datetime | None = None) -> dict[str, Any]:
    """A valid visit request for the demo school, on two school days two to three weeks ahead, 09:00–11:00
    Europe/Oslo (the hours a school visit keeps)."""
    oslo = ZoneInfo("Europe/Oslo")
    first = school_day((now or datetime.now(oslo)).astimezone(oslo).date(), days=14)
    windows = [
        {
            "start": datetime.combine(day, dtime(9), oslo).isoformat(),
            "end": datetime.combine(day, dtime(11), oslo).isoformat(),
        }
        for day in (first, school_day(first, days=2))
    ]
    return {
        "school": {
            "orgnr": DEMO_ORGNR,
            "name": "Demo ungdomsskole",
            "kommunenummer": "5001",
            "address": "Skolegata 1, 7011 Trondheim",
        },
        "contact": {"name": "Kari Nordmann", "email": "kari.nordmann@example.no", "phone": "+4791234567"},
        "kind": "school_visit",
        "audience": {"description": "10. trinn", "pupils": 60},
        "professions": ["nurse", "health_worker"],
        "language": "nb",
        "windows": windows,
        "team_size": 2,
    }


def booking_curl(booking_url: str, school_token: str) -> str:
    """A copy-paste curl that books a visit as the demo school."""
    body = json.dumps(booking_body(), ensure_ascii=False)
    return (
        f"curl -sS -X POST {booking_url}/v1/visit-requests \\\n"
        f"    -H 'Authorization: Bearer {school_token}' \\\n"
        f"    -H 'Idempotency-Key: {uuid.uuid4()}' -H 'Content-Type: application/json' \\\n"
        f"    -d '{body}'"
    )


@dataclass
class Screen:
    """What the final screen shows."""

    state: Path
    services: list[InstalledService]
    children: dict[str, Child]
    infra: Infra
    mail: Child
    smtp_port: int
    asyncapi: dict[str, Path]
    tokens: dict[str, str]
    demo: dict[str, Any]


def render_screen(s: Screen) -> str:
    """The one screen printed once everything is ready."""
    bar = "─" * 100
    lines = [bar, f" outreach is up · state {s.state} · logs {s.state / 'logs'}", "", " services"]
    for service in s.services:
        child = s.children.get(service.name)
        if child is not None:
            lines.append(f"   {service.name:<12} {child.url:<24} docs {child.url}/docs")
        else:
            lines.append(f"   {service.name:<12} NOT STARTED: {service.error}")
    lines += _asyncapi_lines(s)
    lines += [
        f" mail catcher   {s.mail.url}  (API {s.mail.url}/api/messages · SMTP {LOCALHOST}:{s.smtp_port})",
        f" SMS            {s.state / 'sms.jsonl'}",
        f" kafka          {s.infra.bootstrap} ({s.infra.sources.get('kafka')})",
        f" postgres       {mask_dsn(s.infra.admin_dsn)} ({s.infra.sources.get('postgres')})",
        f" CLI            set -a; . {s.state / 'cli.env'}; set +a; outreach --help",
        "",
        " tokens",
        f"   organiser               {s.tokens['organiser']}",
        f"   school {DEMO_ORGNR:<16} {s.tokens['school']}",
        f"   member                  {s.tokens['member']}",
    ]
    lines += _demo_and_curl_lines(s)
    return "\n".join([*lines, bar])


def _asyncapi_lines(s: Screen) -> list[str]:
    lines = [" events (AsyncAPI, generated at start by FastStream; open in a browser)"]
    for name, page in s.asyncapi.items():
        lines.append(f"   {name:<12} file://{page}  (JSON: {page.with_suffix('.json').name})")
    if not s.asyncapi:
        lines.append("   none generated: `make docs` writes the catalogue")
    return lines


def _demo_and_curl_lines(s: Screen) -> list[str]:
    lines = [f"   {key}: {value}" for key, value in s.demo.items() if key != "tokens"]
    lines = ["", " demo", *lines] if lines else []
    booking = s.children.get("booking")
    if booking is not None:
        lines += ["", " book a visit as the school (the same Idempotency-Key again returns the same answer):"]
        lines += ["   " + line for line in booking_curl(booking.url, s.tokens["school"]).splitlines()]
    return [*lines, "", " Ctrl-C stops everything."]


def write_cli_env(state: Path, secret: str, bootstrap: str, urls: dict[str, str]) -> None:
    """`.local/cli.env`: what the `outreach` CLI needs to talk to this stack (0600)."""
    env = {"OUTREACH_JWT_SECRET": secret, "OUTREACH_KAFKA_BOOTSTRAP_SERVERS": bootstrap}
    env |= {f"OUTREACH_{name.upper()}_URL": url for name, url in urls.items() if name != "mailcatcher"}
    write_private(state / "cli.env", "".join(f"{k}={v}\n" for k, v in env.items()))


# ---------------------------------------------------------------- the run


def parse_args(argv: list[str] | None, names: list[str]) -> argparse.Namespace:
    """Options; one `--port-<svc>` per known or installed service."""
    parser = argparse.ArgumentParser(prog="outreach-up", description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, default=os.environ.get("OUTREACH_STATE_DIR"))
    parser.add_argument("--fresh", action="store_true", help="wipe the state dir (data, secrets, logs) first")
    parser.add_argument("--no-demo", action="store_true", help="do not seed demo data")
    parser.add_argument("--check", action="store_true", help="start, wait until ready, print, stop, exit 0")
    parser.add_argument("--ready-timeout", type=float, default=180.0, help="seconds to wait for readiness")
    parser.add_argument("--mail-http-port", type=int, default=MAIL_HTTP_PORT)
    parser.add_argument("--mail-smtp-port", type=int, default=MAIL_SMTP_PORT)
    next_port = max(DEFAULT_PORTS.values()) + 1
    for name in dict.fromkeys([*DEFAULT_PORTS, *names]):
        default = DEFAULT_PORTS.get(name) or next_port
        next_port += name not in DEFAULT_PORTS
        parser.add_argument(f"--port-{name}", type=int, default=default, dest=f"port_{name}")
    args = parser.parse_args(argv)
    args.state_dir = (args.state_dir or repo_root() / ".local").resolve()
    return args


@dataclass
class Run:
    """Everything started so far, so that it can be stopped in reverse order."""

    args: argparse.Namespace
    state: Path
    infra: Infra = field(default_factory=Infra)
    children: list[Child] = field(default_factory=list)

    def stop(self) -> None:
        """Stop services and the catcher, then PostgreSQL and Kafka."""
        stop_children(self.children)
        self.children.clear()
        if self.infra.stops:
            say("stopping PostgreSQL and Kafka…")
        self.infra.stop()


def check_ports(args: argparse.Namespace, services: list[InstalledService]) -> None:
    """Fail early, naming the option, if a port this run needs is taken."""
    wanted = {f"--port-{s.name}": getattr(args, f"port_{s.name}") for s in services if s.definition}
    wanted |= {"--mail-http-port": args.mail_http_port, "--mail-smtp-port": args.mail_smtp_port}
    taken = [f"{option} {port}" for option, port in wanted.items() if not port_free(port)]
    if taken:
        raise LaunchError(f"port(s) in use: {', '.join(taken)}; choose others with those options")


def start_mailcatcher(run: Run) -> Child:
    """Start the SMTP catcher process and wait for its HTTP API."""
    args = run.args
    say(f"starting the mail catcher on :{args.mail_http_port} (SMTP :{args.mail_smtp_port})…")
    cmd = [
        sys.executable,
        "-m",
        "outreach_dev.devstack.mailcatcher",
        "--store-dir",
        str(run.state / "mail"),
    ]
    cmd += ["--http-port", str(args.mail_http_port), "--smtp-port", str(args.mail_smtp_port)]
    child = spawn(
        "mailcatcher", cmd, {"OUTREACH_STATE_DIR": str(run.state)}, run.state / "logs" / "mailcatcher.log"
    )
    child.url = f"http://{LOCALHOST}:{args.mail_http_port}"
    run.children.append(child)
    wait_ready(child, "/healthz", time.monotonic() + 30)
    return child


def start_services(
    run: Run, services: list[InstalledService], dsns: dict[str, str], jwt: str
) -> dict[str, Child]:
    """Start every importable service as its own process, then wait for each /readyz."""
    started: dict[str, Child] = {}
    for service in services:
        if service.definition is None:
            say(f"NOT starting {service.name}: it does not import ({service.error})")
            continue
        port = getattr(run.args, f"port_{service.name}")
        say(f"starting {service.name} on :{port}…")
        env = service_env(
            service,
            dsn=dsns[service.name],
            bootstrap=run.infra.bootstrap,
            jwt_secret=jwt,
            port=port,
            state=run.state,
            smtp_port=run.args.mail_smtp_port,
        )
        child = spawn(service.name, service_command(service), env, run.state / "logs" / f"{service.name}.log")
        child.url = f"http://{LOCALHOST}:{port}"
        run.children.append(child)
        started[service.name] = child
    deadline = time.monotonic() + run.args.ready_timeout
    for name, child in started.items():
        began = time.monotonic()
        wait_ready(child, "/readyz", deadline)
        say(f"{name} ready at {child.url} ({time.monotonic() - began:.1f} s more)")
    return started


def bring_up(run: Run) -> Screen:
    """Infrastructure, provisioning, catcher, services, docs, demo: everything the screen shows."""
    services = discover_services()
    check_ports(run.args, services)
    secrets_ = load_secrets(run.state / "secrets.json", [s.name for s in services])
    start_kafka(run.state, run.infra)
    start_postgres(run.state, run.infra)
    passwords = {s.name: secrets_["db_passwords"][s.name] for s in services}
    dsns = asyncio.run(provision(run.infra, passwords))
    mail = start_mailcatcher(run)
    pages = write_asyncapi(services, run.state / "asyncapi")
    children = start_services(run, services, dsns, secrets_["jwt_secret"])
    urls = {name: child.url for name, child in children.items()} | {"mailcatcher": mail.url}
    write_cli_env(run.state, secrets_["jwt_secret"], run.infra.bootstrap, urls)
    tokens = mint_demo_tokens(secrets_["jwt_secret"])
    demo = {} if run.args.no_demo else run_demo(urls, tokens, secrets_["jwt_secret"], run.state / "logs" / "demo.log")
    tokens |= demo.get("tokens") or {}
    return Screen(
        run.state, services, children, run.infra, mail, run.args.mail_smtp_port, pages, tokens, demo
    )


def watch(run: Run) -> None:
    """Wait until interrupted, reporting any process that exits on its own."""
    while True:
        for child in run.children:
            if child.proc.poll() is not None and not child.exit_reported:
                child.exit_reported = True
                say(f"{child.name} exited with code {child.proc.returncode}; its log: {child.log_path}")
        time.sleep(1)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Console script `outreach-up`."""
    args = parse_args(argv, [ep.name for ep in entry_points(group=SERVICE_GROUP)])
    # Our own handlers, whatever we inherited: started from a background shell (`outreach-up &`), SIGINT arrives
    # ignored, and Python then keeps it ignored, so Ctrl-C or `kill -INT` would stop nothing.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupt)
    code = 0
    try:
        with locked_state(args.state_dir, args.fresh) as state:
            run = Run(args, state)
            try:
                print(render_screen(bring_up(run)), flush=True)
                if not args.check:
                    watch(run)
            except LaunchError as exc:
                say(f"FAILED: {exc}")
                code = 1
            except KeyboardInterrupt:
                say("interrupted")
            except Exception:
                traceback.print_exc()
                say("FAILED: unexpected error (above); stopping everything")
                code = 1
            finally:
                _stop_quietly(run)
    except LaunchError as exc:
        say(f"FAILED: {exc}")
        code = 1
    return code


def _stop_quietly(run: Run) -> None:
    """Stop everything with further Ctrl-C / SIGTERM ignored, so shutdown cannot be cut short."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        run.stop()
        say("stopped")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def entry() -> None:
    """Console script wrapper: exit with main()'s code."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
