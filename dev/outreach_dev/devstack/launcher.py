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
import os
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ._util import LOCALHOST, free_ports
from .asyncapi import write_asyncapi
from .demo import DEMO_MEMBER_ID, DEMO_ORGNR, booking_body, demo_signin_links, mint_demo_tokens, run_demo
from .infrastructure import (
    Infrastructure,
    Local,
    Stops,
    acquire_infrastructure,
    mask_dsn,
    start_infrastructure,
    stop_all,
)
from .national_load import load_national
from .processes import Child, LaunchError, port_free, say, spawn, stop_children, wait_ready
from .screen import Screen, booking_curl, render_screen
from .services import (
    DEFAULT_PORTS,
    SERVICE_GROUP,
    InstalledService,
    discover_services,
    env_prefix,
    service_command,
    service_env,
    settings_class,
)
from .state import (
    development_key,
    load_secrets,
    locked_state,
    repo_root,
    trusted_jwks,
    write_cli_env,
    write_private,
)

__all__ = [  # what other code imports from here (each lives in the module named above)
    "DEFAULT_PORTS",
    "DEMO_MEMBER_ID",
    "DEMO_ORGNR",
    "SERVICE_GROUP",
    "Child",
    "Infrastructure",
    "InstalledService",
    "LaunchError",
    "Run",
    "Screen",
    "acquire_infrastructure",
    "booking_body",
    "booking_curl",
    "discover_services",
    "entry",
    "env_prefix",
    "main",
    "mask_dsn",
    "mint_demo_tokens",
    "provision",
    "render_screen",
    "run_demo",
    "service_command",
    "service_env",
    "settings_class",
    "spawn",
    "start_mailcatcher",
    "start_services",
    "stop_children",
    "wait_ready",
    "write_asyncapi",
    "write_cli_env",
    "write_private",
]

MAIL_HTTP_PORT, MAIL_SMTP_PORT = 8025, 1025
KAFKA_PORTS, POSTGRES_PORT = (9092, 9093), 5432
CLUSTER_PORTS = [(9092, 9093), (9094, 9095), (9096, 9097)]
INSTANCES = 2
"""Instances of each service under `--cluster`, behind a round-robin balancer on the service's port."""


def parse_args(argv: list[str] | None, names: list[str]) -> argparse.Namespace:
    """Options; one `--port-<svc>` per known or installed service."""
    parser = argparse.ArgumentParser(prog="outreach-up", description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, default=os.environ.get("OUTREACH_STATE_DIR"))
    parser.add_argument("--fresh", action="store_true", help="wipe the state dir (data, secrets, logs) first")
    parser.add_argument("--no-demo", action="store_true", help="do not seed demo data")
    parser.add_argument("--demo-scale", choices=("small", "national"), default="small",
                        help="national: also ten school years of a national programme (5,000 members, 300,000 "
                             "visits; written once, a few minutes)")  # fmt: skip
    parser.add_argument("--check", action="store_true", help="start, wait until ready, print, stop, exit 0")
    parser.add_argument("--cluster", action="store_true",
                        help=f"three Kafka brokers (replication factor 3, min.insync.replicas 2) and {INSTANCES} "
                             "instances of every service behind its port (round-robin)")  # fmt: skip
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
    infra: Infrastructure = field(default_factory=lambda: Infrastructure("", ""))
    children: list[Child] = field(default_factory=list)
    infra_stops: Stops = field(default_factory=list)

    def stop(self) -> None:
        """Stop services and the catcher, then PostgreSQL and Kafka."""
        stop_children(self.children)
        self.children.clear()
        if self.infra_stops:
            say("stopping PostgreSQL and Kafka…")
        stop_all(self.infra_stops)


def _preferred(port: int) -> int | None:
    return port if port_free(port) else None


def start_infrastructure_locally(run: Run) -> None:
    """Kafka and PostgreSQL from their env vars, else local processes with data in the state dir (fixed ports)."""
    cluster_ports = CLUSTER_PORTS if all(port_free(p) for pair in CLUSTER_PORTS for p in pair) else None
    local = Local(
        kafka_ports=(_preferred(KAFKA_PORTS[0]), _preferred(KAFKA_PORTS[1])),
        kafka_brokers=len(CLUSTER_PORTS) if run.args.cluster else 1,
        cluster_ports=cluster_ports,
        postgres_port=_preferred(POSTGRES_PORT),
        durable=True,
        kafka_timeout=120,
        postgres_timeout=90,
        logs=run.state / "logs",
    )
    run.infra = start_infrastructure(run.state, run.infra_stops, mode="local", local=local, one_at_a_time=True, say=say)


def check_ports(args: argparse.Namespace, services: list[InstalledService]) -> None:
    """Fail early, naming the option, if a port this run needs is taken."""
    wanted = {f"--port-{s.name}": getattr(args, f"port_{s.name}") for s in services if s.definition}
    wanted |= {"--mail-http-port": args.mail_http_port, "--mail-smtp-port": args.mail_smtp_port}
    taken = [f"{option} {port}" for option, port in wanted.items() if not port_free(port)]
    if taken:
        raise LaunchError(f"port(s) in use: {', '.join(taken)}; choose others with those options")


async def provision(infra: Infrastructure, passwords: dict[str, str]) -> dict[str, str]:
    """Each service's role and schema (its DSN returned), and every topic."""
    from outreach_shared.contracts import ALL_TOPICS

    from .provision import ensure_topics, provision_service_database

    say("provisioning schemas and roles…")
    dsns = {name: await provision_service_database(infra.admin_dsn, name, pw) for name, pw in passwords.items()}
    say("creating topics…")
    await ensure_topics(infra.kafka_bootstrap, list(ALL_TOPICS))
    return dsns


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
    child = spawn("mailcatcher", cmd, {"OUTREACH_STATE_DIR": str(run.state)}, run.state / "logs" / "mailcatcher.log")
    child.url = f"http://{LOCALHOST}:{args.mail_http_port}"
    run.children.append(child)
    wait_ready(child, "/healthz", time.monotonic() + 30)
    return child


def start_services(run: Run, services: list[InstalledService], dsns: dict[str, str], trusted: str) -> dict[str, Child]:
    """Start every importable service as its own process (the portal first), then wait for each /readyz. Each
    trusts the public keys of the JWKS `trusted` and those the portal publishes, when the portal is among them.
    With `--cluster`, each runs as INSTANCES processes on ports of their own behind a balancer on its port."""
    jwks_url = portal_jwks_url(run) if any(s.name == "portal" and s.definition for s in services) else ""
    started: dict[str, Child] = {}
    instances: list[Child] = []
    peers = {s.name: f"http://{LOCALHOST}:{getattr(run.args, f'port_{s.name}')}" for s in services if s.definition}
    for service in services:
        _unless_interrupted()
        if service.definition is None:
            say(f"NOT starting {service.name}: it does not import ({service.error})")
            continue
        port = getattr(run.args, f"port_{service.name}")
        ports = free_ports(INSTANCES) if run.args.cluster else [port]
        for number, own_port in enumerate(ports, start=1):
            name = f"{service.name}#{number}" if run.args.cluster else service.name
            say(f"starting {name} on :{own_port}…")
            env = service_env(service, dsn=dsns[service.name], bootstrap=run.infra.kafka_bootstrap,
                              jwt_public_keys=trusted, jwks_url=jwks_url, port=own_port, state=run.state,
                              smtp_port=run.args.mail_smtp_port, peers=peers, public_port=port)  # fmt: skip
            log_name = f"{service.name}-{number}" if run.args.cluster else service.name
            child = spawn(name, service_command(service), env, run.state / "logs" / f"{log_name}.log")
            child.url = f"http://{LOCALHOST}:{own_port}"
            run.children.append(child)
            instances.append(child)
        started[service.name] = _balanced(run, service.name, port, ports) if run.args.cluster else instances[-1]
    deadline = time.monotonic() + run.args.ready_timeout
    for child in [*instances, *(started.values() if run.args.cluster else ())]:
        _unless_interrupted()
        began = time.monotonic()
        wait_ready(child, "/readyz", deadline)
        say(f"{child.name} ready at {child.url} ({time.monotonic() - began:.1f} s more)")
    return started


def _balanced(run: Run, name: str, port: int, backends: list[int]) -> Child:
    """The round-robin balancer on the service's port in front of its instances."""
    cmd = [sys.executable, "-m", "outreach_dev.devstack.balancer", "--port", str(port),
           "--to", ",".join(str(p) for p in backends)]  # fmt: skip
    child = spawn(f"{name} (balancer)", cmd, {}, run.state / "logs" / f"{name}-balancer.log")
    child.url = f"http://{LOCALHOST}:{port}"
    run.children.append(child)
    return child


def portal_jwks_url(run: Run) -> str:
    """Where this stack's portal publishes its signing keys."""
    return f"http://{LOCALHOST}:{getattr(run.args, 'port_portal', DEFAULT_PORTS['portal'])}/.well-known/jwks.json"


def bring_up(run: Run) -> Screen:
    """Infrastructure, provisioning, catcher, services, docs, demo: everything the screen shows."""
    services = discover_services()
    check_ports(run.args, services)
    secrets_ = load_secrets(run.state / "secrets.json", [s.name for s in services])
    start_infrastructure_locally(run)
    passwords = {s.name: secrets_["db_passwords"][s.name] for s in services}
    dsns = asyncio.run(provision(run.infra, passwords))
    _unless_interrupted()
    mail = start_mailcatcher(run)
    _unless_interrupted()
    pages = write_asyncapi(services, run.state / "asyncapi")
    key = development_key(secrets_)
    children = start_services(run, services, dsns, trusted_jwks(key))
    _unless_interrupted()
    urls = {name: child.url for name, child in children.items()} | {"mailcatcher": mail.url}
    write_cli_env(run.state, key, run.infra.kafka_bootstrap, urls)
    tokens = mint_demo_tokens(key)
    demo = {} if run.args.no_demo else run_demo(urls, tokens, key, run.state / "logs" / "demo.log")
    if run.args.demo_scale == "national" and not run.args.no_demo:
        asyncio.run(load_national(run.infra.admin_dsn, say=say))
    tokens |= demo.get("tokens") or {}
    portal = children.get("portal")
    links = demo_signin_links(portal.url, tokens["organiser"], demo.get("accounts")) if portal is not None else {}
    return Screen(run.state, services, children, run.infra, mail, run.args.mail_smtp_port, pages, tokens, demo, links)


def watch(run: Run) -> None:
    """Wait until interrupted, reporting any process that exits on its own."""
    while True:
        _unless_interrupted()
        for child in run.children:
            if child.proc.poll() is not None and not child.exit_reported:
                child.exit_reported = True
                say(f"{child.name} exited with code {child.proc.returncode}; its log: {child.log_path}")
        time.sleep(1)


_interrupted = threading.Event()
"""Set by Ctrl-C or SIGTERM. The handler also raises KeyboardInterrupt, but one raised while Python runs a finaliser
(a lock released in a `__del__`, say) is printed and dropped; the start-up steps and the watch look here too."""


def _interrupt(signum: int, frame: Any) -> None:
    _interrupted.set()
    raise KeyboardInterrupt


def _unless_interrupted() -> None:
    """Go on with the next step, unless Ctrl-C came (even one whose KeyboardInterrupt was dropped)."""
    if _interrupted.is_set():
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
                _unless_interrupted()
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
