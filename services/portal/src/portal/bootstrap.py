"""The portal service: its definition, and its wiring from the settings."""

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, cast

from outreach_shared.housekeeping import Chore, Purge
from outreach_shared.runtime import Runtime, ServiceDefinition, Wiring
from outreach_shared.signing import Jwk, JwksSource, jwks
from portal.adapters import booking_surveys, service_apis
from portal.adapters.audit import audit_purge
from portal.adapters.oidc_client import ProviderClient, ProviderClients
from portal.entrypoints import school_pages
from portal.entrypoints.audit_http import router as audit_router
from portal.entrypoints.booking_pages import router as booking_pages_router
from portal.entrypoints.browser import pages_for_people
from portal.entrypoints.clients_http import router as clients_router
from portal.entrypoints.gathering_pages import router as gathering_pages_router
from portal.entrypoints.http import router
from portal.entrypoints.jwks_http import router as jwks_router
from portal.entrypoints.keys_http import router as keys_router
from portal.entrypoints.member_pages import router as member_pages_router
from portal.entrypoints.oauth_http import router as oauth_router
from portal.entrypoints.oidc_http import router as oidc_router
from portal.entrypoints.organiser_board_pages import router as organiser_board_router
from portal.entrypoints.organiser_gatherings_pages import router as organiser_gatherings_router
from portal.entrypoints.organiser_impact_pages import router as organiser_impact_router
from portal.entrypoints.organiser_operations_pages import router as organiser_operations_router
from portal.entrypoints.organiser_roster_pages import router as organiser_roster_router
from portal.entrypoints.people_http import router as people_router
from portal.entrypoints.public_pages import router as public_pages_router
from portal.entrypoints.session_http import router as session_router
from portal.entrypoints.settings_pages import router as settings_pages_router
from portal.entrypoints.signin_http import api_router as signin_api_router
from portal.entrypoints.signin_http import router as signin_router
from portal.entrypoints.static_assets import router as static_router
from portal.entrypoints.survey_pages import router as survey_pages_router
from portal.entrypoints.systems_pages import router as systems_pages_router
from portal.service_layer import keys, rotation
from portal.service_layer.handlers import REGISTRY
from portal.service_layer.unit_of_work import PortalUnit
from portal.settings import PortalSettings, get_settings

SIGNIN_PURGES: list[Chore] = [
    Purge("signin_links", "expires_at < now() - make_interval(hours => $1)", 24),
    Purge("signin_requests", "requested_at < now() - make_interval(hours => $1)", 2),
    Purge("sessions", "created_at < now() - make_interval(hours => $1)", 24 * 7),
    Purge("signing_keys", "withdrawn_at < now() - make_interval(hours => $1)", 24),
    Purge("oidc_logins", "created_at < now() - make_interval(hours => $1)", 24),
    Purge("client_token_failures", "failed_at < now() - make_interval(hours => $1)", 1),
]
"""Links (with their addresses) a day after they expired; rate-limit counts after the hour they count for;
sessions a week after they began (the longest lives 12 hours); redirects to a provider (and identities waiting to be
linked) a day after they began."""


@dataclass(frozen=True)
class PortalPorts:
    """The portal's parts built from its settings: the OpenID Connect providers' clients, and its clients of the
    other services' public APIs."""

    oidc: ProviderClients
    surveys: booking_surveys.SurveyDesk
    """Booking's pupils' survey (PORTAL_BOOKING_URL)."""
    apis: service_apis.ServiceApis
    """The four services' public APIs, which the pages call as the signed-in person (PORTAL_<SERVICE>_URL)."""


def own_keys(runtime: Runtime) -> JwksSource:
    """The portal trusts the keys it publishes, read from its own schema (not over HTTP from itself)."""

    async def published() -> dict[str, list[Jwk]]:
        async with runtime.unit_of_work("portal-jwks") as uow:
            return jwks(await keys.published_jwks(cast(PortalUnit, uow)))

    return published


def key_rotation(runtime: Runtime, every_seconds: float) -> Callable[[], Coroutine[Any, Any, None]]:
    """A loop that rotates the signing key when the policy says it is due (checked every `every_seconds`)."""

    async def keep_rotating() -> None:
        while True:
            async with runtime.unit_of_work("portal-key-rotation") as uow:
                await rotation.rotate_if_due(cast(PortalUnit, uow))
            await asyncio.sleep(every_seconds)

    return keep_rotating


def bootstrap(runtime: Runtime) -> Wiring:
    """The unit of work (with sign-in's settings), the registry, the providers' clients and HTTP clients for the
    other services (closed when the service stops)."""
    settings = cast(PortalSettings, runtime.settings)
    clients = [ProviderClient(p.provider(), p.client_secret.get_secret_value()) for p in settings.oidc_providers]
    apis = service_apis.ServiceApis({name: service_apis.client(getattr(settings, f"{name}_url"))
                                     for name in service_apis.SERVICES})  # fmt: skip
    booking = booking_surveys.client(settings.booking_url)
    ports = PortalPorts(oidc=ProviderClients(clients), surveys=booking_surveys.SurveyDesk(booking), apis=apis)
    purges = [*SIGNIN_PURGES, audit_purge(settings.audit_keep_days)]
    unit = partial(PortalUnit, signin=settings.signin_config(), key_policy=settings.key_policy())
    rotating = key_rotation(runtime, settings.key_rotation_check_seconds)
    return Wiring(unit=unit, registry=REGISTRY, purges=purges, ports=ports, on_stop=[booking.aclose, apis.aclose],
                  key_source=own_keys(runtime), background=[rotating])  # fmt: skip


SERVICE = ServiceDefinition(
    name="portal",
    title="Outreach portal",
    description="Sign-in for members, school contacts and organisers; sessions; the tokens the other services "
    "verify (JWKS); school systems' API clients; the audit log.",
    settings_factory=get_settings,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[
        jwks_router,
        keys_router,
        static_router,
        public_pages_router,
        survey_pages_router,
        oidc_router,
        signin_router,
        signin_api_router,
        session_router,
        audit_router,
        clients_router,
        oauth_router,
        people_router,
        booking_pages_router,
        systems_pages_router,
        school_pages.router,
        school_pages.public_router,
        member_pages_router,
        settings_pages_router,
        gathering_pages_router,
        organiser_impact_router,
        organiser_board_router,
        organiser_gatherings_router,
        organiser_roster_router,
        organiser_operations_router,
        router,
    ],
    bootstrap=bootstrap,
    customize_app=pages_for_people,
)
