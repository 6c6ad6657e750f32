"""The AsyncAPI `make up` writes documents what a service consumes, read from its bootstrap's registry."""

import json
from importlib.metadata import EntryPoint
from pathlib import Path

from outreach_dev.devstack.asyncapi import write_asyncapi
from outreach_dev.devstack.services import InstalledService
from outreach_shared.contracts.booking import VisitCancelled
from outreach_shared.runtime import Runtime, ServiceDefinition, Wiring
from outreach_shared.settings import ServiceSettings
from outreach_shared.skeleton import Registry


async def _nothing(uow: object, event: object) -> None:
    return None


def _bootstrap(runtime: Runtime) -> Wiring:
    return Wiring(registry=Registry(events={VisitCancelled: _nothing}))


def _settings() -> ServiceSettings:
    return ServiceSettings(jwt_jwks_url="")


def test_a_service_s_consumed_events_are_in_its_asyncapi(tmp_path: Path) -> None:
    definition = ServiceDefinition(
        name="probe",
        title="Probe",
        settings_factory=_settings,
        migrations_dir=tmp_path,
        routers=[],
        bootstrap=_bootstrap,
    )
    service = InstalledService("probe", EntryPoint("probe", "probe:SERVICE", "outreach.services"), definition)
    pages = write_asyncapi([service], tmp_path / "asyncapi")
    assert pages == {"probe": tmp_path / "asyncapi" / "probe.html"}
    document = json.loads((tmp_path / "asyncapi" / "probe.json").read_text())
    assert "probe:outreach.visits" in document["channels"]  # VisitCancelled's topic, consumed
    assert "probe:outreach.visits:SubscribeMessage" in document["components"]["messages"]
