"""A service's runtime: pool, broker, outbox relay, timers and subscribers, started and stopped together."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, FastAPI, Query, Request
from faststream.kafka import KafkaBroker
from pydantic import BaseModel

from outreach_shared import db
from outreach_shared.auth import Principal
from outreach_shared.consumer import EventConsumer, Handler, HandlerContext
from outreach_shared.contracts import ALL_TOPICS, Envelope, new_envelope
from outreach_shared.contracts.catalogue import spec_for, spec_for_model
from outreach_shared.dead_letters import dead_letter_sink
from outreach_shared.errors import Forbidden
from outreach_shared.housekeeping import Chore, Housekeeper, kit_purges
from outreach_shared.http import create_app, principal_dependency, require_role
from outreach_shared.kafka import Kafka, Lag, document_publishers, publisher
from outreach_shared.logging import configure_logging, get_logger
from outreach_shared.operations import KIT_SOURCES, SetAsideItem, SetAsideSource, list_set_aside
from outreach_shared.outbox import OutboxRelay
from outreach_shared.settings import ServiceSettings
from outreach_shared.signing import JwksSource, KeySet, jwks_from_url
from outreach_shared.skeleton.clock import Clock, SystemClock
from outreach_shared.skeleton.registry import EventHandler, Registry
from outreach_shared.skeleton.registry import TimerHandler as RegistryTimerHandler
from outreach_shared.skeleton.unit_of_work import Scope, UnitFactory, UnitOfWork
from outreach_shared.startup import until_reachable
from outreach_shared.supervision import Supervisor
from outreach_shared.timers import Timer, TimerHandler, TimerRunner

log = get_logger(__name__)
KEYS_REFRESH_SECONDS = 60.0
"""How often a service fetches the published signing keys again, besides on a token with an unknown kid."""


@dataclass(frozen=True)
class Consumer:
    """One consumer of the service's registry (its own inbox name and consumer group)."""

    name: str
    takes: Collection[type[BaseModel]] | None = None
    """The payload types this consumer handles; None: every event in the registry no other consumer takes."""
    batch: bool = True
    """Handle each fetched batch in one transaction (falls back to one by one when something fails)."""
    parallel: int = 3
    """How many transactions a batch is shared out over, by key. 1 where handlers of different keys lock the same
    rows (they would wait on, and deadlock with, each other's open transactions)."""


@dataclass
class Wiring:
    """What a service's bootstrap plugs into its runtime once the pool and broker exist."""

    unit: UnitFactory[UnitOfWork] = UnitOfWork
    """Builds the service's unit of work (its class, or a partial binding its configuration)."""
    registry: Registry[Any] = field(default_factory=Registry)
    """Each event payload type and timer kind, mapped to its handler (taking the unit of work)."""
    consumers: list[Consumer] | None = None
    """How the registry's events are consumed; None: one consumer named after the service."""
    ports: Any = None
    """The service's own typed ports and parts (e-mail, SMS, writers), for its dependencies to read."""
    background: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    on_stop: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    purges: list[Chore] = field(default_factory=list)
    """The service's own rows kept only for a while (the kit's own tables are always purged)."""
    set_aside: list[SetAsideSource] = field(default_factory=list)
    """Where the service's own loops keep what they set aside, for the operations view (the kit's timers and
    outbox are always listed)."""
    key_source: JwksSource | None = None
    """Where the service reads the public keys that sign tokens, instead of `jwt_jwks_url` (the portal reads its own
    from its database)."""


@dataclass(frozen=True)
class ServiceDefinition:
    """Everything that makes one service: its name, settings, migrations, HTTP routers and wiring."""

    name: str
    title: str
    settings_factory: Callable[[], ServiceSettings]
    migrations_dir: Path
    routers: Sequence[Any]
    bootstrap: Callable[["Runtime"], Wiring]
    """Wires the service's ports to adapters and declares its unit of work and registry (its bootstrap.py)."""
    description: str = ""
    customize_app: Callable[[FastAPI], None] | None = None
    """Called with the built app, for what routers cannot add (e.g. the portal's HTML pages for unknown paths)."""

    @property
    def schema(self) -> str:
        """The service's own Postgres schema."""
        return self.name


class Runtime:
    """The live connections of a service. Built in the app's lifespan, never at import time."""

    def __init__(self, definition: ServiceDefinition, settings: ServiceSettings, clock: Clock | None = None) -> None:
        self.definition = definition
        self.settings = settings
        self.name = definition.name
        self.clock: Clock = clock or SystemClock()
        """The one clock of the service (tests give one they move)."""
        self.pool: asyncpg.Pool = None
        self.broker: KafkaBroker = None  # type: ignore[assignment]
        self.kafka: Kafka | None = None
        self.wiring = Wiring()
        self._tasks: list[asyncio.Task[None]] = []
        self.supervisor = Supervisor()
        """Runs the relay, timers, housekeeping and the wiring's background loops: one that raises is logged and
        restarted, and /readyz says not ready until it has run a while again."""
        self._on_stop: list[Callable[[], Awaitable[None]]] = []
        self.set_aside_sources: list[SetAsideSource] = list(KIT_SOURCES)
        url = settings.jwt_jwks_url
        self.keys = KeySet(settings.trusted_keys(), source=jwks_from_url(url) if url else None)
        """The public keys trusted to sign tokens: `jwt_public_keys` and what the portal publishes."""

    @property
    def audience(self) -> str:
        """The audience a token must name to be accepted here (`jwt_audience`, or the service's name)."""
        return self.settings.jwt_audience or self.name

    def envelope(self, event: BaseModel, *, key: str, correlation_id: str) -> Envelope:
        """Wrap an event produced by this service."""
        return new_envelope(event, key=key, producer=self.name, correlation_id=correlation_id)

    async def start(self) -> None:
        """Migrate, connect, subscribe and start the relay, timers and background loops."""
        from outreach_shared.topic_admin import ensure_topics

        s = self.settings
        dsn = s.database_url.get_secret_value()
        schema = s.database_schema or self.definition.schema
        wait = s.startup_wait_seconds
        applied = await until_reachable(lambda: db.apply_migrations(dsn, schema, self.definition.migrations_dir),
                                        what="postgres", wait_seconds=wait)
        log.info("migrations applied", applied=applied)
        self.pool = await until_reachable(
            lambda: db.create_pool(dsn, schema, min_size=s.db_pool_min, max_size=s.db_pool_max),
            what="postgres", wait_seconds=wait)  # fmt: skip
        await until_reachable(lambda: ensure_topics(s.kafka_bootstrap_servers, list(ALL_TOPICS)), what="kafka",
                              wait_seconds=wait)
        kafka = self.kafka = Kafka(s.kafka_bootstrap_servers, client_id=self.name)
        self.broker = kafka.broker
        document_publishers(self.broker, self.name)
        wiring = self.wiring = self.definition.bootstrap(self)
        self.set_aside_sources = [*KIT_SOURCES, *wiring.set_aside]
        if wiring.key_source is not None:
            self.keys = KeySet(s.trusted_keys(), source=wiring.key_source)
        for consumer_spec, handlers in consumers_of(wiring, self.name):
            consumer = EventConsumer(
                name=consumer_spec.name,
                pool=self.pool,
                handlers={event_type: self._event_handler(handler) for event_type, handler in handlers.items()},
                dead_letter=dead_letter_sink(publisher(self.broker), consumer_spec.name),
                max_attempts=s.handler_max_attempts,
                backoff_seconds=s.handler_backoff_seconds,
                parallel=consumer_spec.parallel,
                service=self.name,
            )
            topics = sorted({spec_for(event_type).topic for event_type in handlers})
            kafka.subscribe(consumer, topics, group_id=s.consumer_group or f"outreach-{consumer_spec.name}",
                            batch=consumer_spec.batch)  # fmt: skip
        await kafka.start()
        relay = OutboxRelay(
            self.pool,
            kafka.send_all,
            schema=schema,
            poll_seconds=s.outbox_poll_seconds,
            linger_seconds=s.outbox_linger_seconds,
            service=self.name,
        )
        self._spawn(relay.run)
        if wiring.registry.timers:
            timers = {kind: self._timer_handler(handler) for kind, handler in wiring.registry.timers.items()}
            self._spawn(TimerRunner(self.pool, timers, poll_seconds=s.timer_poll_seconds, service=self.name).run)
        purges: list[Chore] = [*kit_purges(s), *wiring.purges]
        self._spawn(Housekeeper(self.pool, purges, every_seconds=s.housekeeping_every_seconds).run)
        if self.keys.has_source:
            self._spawn(self._refresh_keys)
        for loop in wiring.background:
            self._spawn(loop)
        self._on_stop = list(wiring.on_stop)

    async def _refresh_keys(self) -> None:
        """Fetch the published keys now and then, so a new key is known before its first token and a withdrawn one
        stops being trusted without waiting for a request (a failing fetch keeps the keys we had)."""
        while True:
            await self.keys.refresh()
            await asyncio.sleep(KEYS_REFRESH_SECONDS)

    @property
    def ports(self) -> Any:
        """The service's own ports and parts, as its bootstrap wired them."""
        return self.wiring.ports

    @contextlib.asynccontextmanager
    async def unit_of_work(self, correlation_id: str) -> AsyncIterator[UnitOfWork]:
        """A unit of work in its own transaction, committed with its events when the block ends."""
        scope = Scope(now=self.clock.now(), producer=self.name, correlation_id=correlation_id)
        async with self.pool.acquire() as conn, conn.transaction():
            yield self.wiring.unit(conn, scope)
            await scope.finish(conn)

    def _event_handler(self, handler: EventHandler[Any]) -> Handler:
        """An event handler of the registry, as the consumer calls it (in the inbox's transaction)."""
        unit = self.wiring.unit

        async def handle(ctx: HandlerContext, payload: Any) -> None:
            scope = Scope(now=self.clock.now(), producer=ctx.producer, correlation_id=ctx.envelope.correlation_id,
                          causation_id=str(ctx.envelope.event_id), emitted=ctx.emitted,
                          deferred=ctx.deferred)  # fmt: skip
            await handler(unit(ctx.conn, scope), payload)  # the consumer writes what the batch emitted

        return handle

    def _timer_handler(self, handler: RegistryTimerHandler[Any]) -> TimerHandler:
        """A timer handler of the registry, as the timer runner calls it (in the timer's transaction)."""
        unit = self.wiring.unit

        async def fire(conn: asyncpg.Connection, timer: Timer) -> None:
            correlation_id = str(timer.payload.get("correlation_id") or f"timer:{timer.kind}:{timer.key}")
            scope = Scope(now=self.clock.now(), producer=self.name, correlation_id=correlation_id)
            await handler(unit(conn, scope), timer)
            await scope.finish(conn)

        return fire

    def _spawn(self, loop: Callable[[], Coroutine[Any, Any, None]]) -> None:
        name = f"{self.name}:{getattr(loop, '__qualname__', loop)}"
        if name in self.supervisor.tasks:
            name = f"{name}#{len(self._tasks)}"
        self._tasks.append(self.supervisor.spawn(name, loop))

    async def stop(self) -> None:
        """Stop background work, then the broker, then the pool."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for hook in self._on_stop:
            with contextlib.suppress(Exception):
                await hook()
        if self.kafka is not None:
            await self.kafka.stop()  # the subscriptions commit what they handled first
        if self.pool is not None:
            await self.pool.close()

    async def consumer_lags(self) -> list[Lag]:
        """How far this instance's batch subscriptions are behind (none before start)."""
        return await self.kafka.lags() if self.kafka is not None else []

    async def readiness(self) -> dict[str, bool]:
        """Database and Kafka reachable, and no background loop (relay, timers, consumers, the wiring's own) failing."""
        database = self.pool is not None and await db.ping(self.pool)
        kafka = False
        if self.broker is not None:
            with contextlib.suppress(Exception):
                kafka = await self.broker.ping(timeout=2.0)
        return {"database": database, "kafka": kafka, "background": not self.failing_loops()}

    def failing_loops(self) -> list[str]:
        """The names of the background loops that failed and have not yet run a while again."""
        subscriptions = self.kafka.supervisor.failing() if self.kafka is not None else []
        return sorted([*self.supervisor.failing(), *subscriptions])


def consumers_of(wiring: Wiring, service: str) -> list[tuple[Consumer, dict[str, EventHandler[Any]]]]:
    """Each consumer of the wiring with the handlers (by event type) it takes from the registry."""
    handlers = wiring.registry.event_types()
    specs = wiring.consumers if wiring.consumers is not None else [Consumer(name=service)]
    taken = {spec_for_model(model).type for spec in specs for model in (spec.takes or ())}
    result = []
    for spec in specs:
        names = {spec_for_model(m).type for m in spec.takes} if spec.takes is not None else set(handlers) - taken
        mine = {name: handler for name, handler in handlers.items() if name in names}
        if mine:
            result.append((spec, mine))
    return result


def build_app(
    definition: ServiceDefinition, settings: ServiceSettings | None = None, *, clock: Clock | None = None
) -> FastAPI:
    """The service's FastAPI app; the runtime starts in its lifespan and is at app.state.runtime."""
    settings = settings or definition.settings_factory()
    runtime = Runtime(definition, settings, clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = create_app(
        title=definition.title,
        description=definition.description,
        routers=definition.routers,
        lifespan=lifespan,
        readiness=runtime.readiness,
        pool=lambda: runtime.pool,
        lags=runtime.consumer_lags,
    )
    app.state.runtime = runtime
    _add_asyncapi_routes(app, runtime)
    _add_operations_routes(app, runtime)
    if definition.customize_app is not None:
        definition.customize_app(app)
    return app


def _add_operations_routes(app: FastAPI, runtime: Runtime) -> None:
    current_principal = principal_dependency(runtime)

    @app.get("/v1/operations/set-aside", tags=["operations"], response_model=list[SetAsideItem],
             summary="What this service's loops set aside")  # fmt: skip
    async def set_aside(
        principal: Annotated[Principal, Depends(current_principal)],
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[SetAsideItem]:
        """Organisers: items a loop gave up on because retrying could not mend them (a timer whose handler fails, an
        event the broker refuses, a notice that cannot be rendered), newest first, each with its reason. The loops
        went on with everything else; what is listed here waits for a fix (and a replay by hand). National
        organisers only: operations are national."""
        require_role(principal, "organiser")
        if not principal.region.national:
            raise Forbidden("operations need a national organiser; this token covers " + principal.region.describe())
        async with runtime.pool.acquire() as conn:
            return await list_set_aside(conn, runtime.set_aside_sources, limit)


def asyncapi_document(runtime: Runtime) -> str:
    """The service's AsyncAPI 3 document (its subscribers and every event it publishes) as JSON."""
    spec = _specification(runtime, description=runtime.definition.description)
    return spec.to_specification().to_json()


def _specification(runtime: Runtime, description: str | None = None) -> Any:
    """The AsyncAPI factory of the runtime's Kafka connections (its broker alone before it started)."""
    from faststream.specification import AsyncAPI

    title = f"{runtime.definition.title} events"
    if runtime.kafka is None:
        return AsyncAPI(runtime.broker, title=title, description=description)
    return runtime.kafka.specification(title=title, description=description)


def _add_asyncapi_routes(app: FastAPI, runtime: Runtime) -> None:
    from fastapi.responses import HTMLResponse, Response

    @app.get("/asyncapi.json", tags=["operations"], summary="AsyncAPI document of this service's events")
    async def asyncapi_json() -> Response:
        return Response(asyncapi_document(runtime), media_type="application/json")

    @app.get("/asyncapi", tags=["operations"], summary="AsyncAPI documentation page", response_class=HTMLResponse)
    async def asyncapi_html() -> HTMLResponse:
        from faststream.specification import get_asyncapi_html

        spec = _specification(runtime)
        return HTMLResponse(get_asyncapi_html(spec.to_specification(), try_it_out_path=None))


async def get_runtime(request: Request) -> Runtime:
    """FastAPI dependency: the running service's Runtime (async, so FastAPI needs no thread for it)."""
    return request.app.state.runtime


def serve(definition: ServiceDefinition) -> None:
    """Run the service (HTTP and consumers) until interrupted."""
    import uvicorn

    settings = definition.settings_factory()
    configure_logging(definition.name, level=settings.log_level, json=settings.log_json)
    app = build_app(definition, settings)
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False)


def migrate(definition: ServiceDefinition) -> list[str]:
    """Apply the service's migrations (the kit's first) and return the names applied."""
    import asyncio

    settings = definition.settings_factory()
    schema = settings.database_schema or definition.schema
    return asyncio.run(db.apply_migrations(settings.database_url.get_secret_value(), schema,
                                           definition.migrations_dir))  # fmt: skip


def command_line(
    definition: ServiceDefinition, commands: Mapping[str, Callable[[list[str]], int]] | None = None
) -> None:
    """Every service's entry point: `outreach-<svc>` (or `serve`) serves, `migrate` applies the migrations and
    exits; a service may add its own commands, each given the remaining arguments and returning an exit code."""
    import sys

    command, *rest = sys.argv[1:] or ["serve"]
    if command == "serve":
        serve(definition)
    elif command == "migrate":
        applied = migrate(definition)
        print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none'}")
    elif commands and command in commands:
        sys.exit(commands[command](rest))
    else:
        known = ", ".join(["serve", "migrate", *(commands or {})])
        sys.exit(f"usage: outreach-{definition.name} [{known}] (unknown command {command!r})")
