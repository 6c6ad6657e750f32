"""The one shape every service has: a clock, a unit of work, a registry of handlers and the caller.

A service subclasses `UnitOfWork` with its repositories, declares a `Registry` of its event and timer handlers,
and its `bootstrap.py` wires ports to adapters into a `ServiceDefinition` (outreach_shared.runtime). Routes take
`Begin` (open a unit of work) and a caller dependency; use cases take the unit of work and return domain values.
"""

from outreach_shared.skeleton.caller import (
    Bearer,
    Caller,
    CallerDep,
    MemberCaller,
    NationalOrganiser,
    OrganiserCaller,
    SchoolCaller,
    bearer_credentials,
    caller_in_role,
    current_caller,
)
from outreach_shared.skeleton.clock import Clock, SystemClock
from outreach_shared.skeleton.registry import EventHandler, Registry, TimerHandler
from outreach_shared.skeleton.unit_of_work import Begin, Scope, UnitFactory, UnitOfWork, begin

__all__ = [
    "Bearer",
    "Begin",
    "Caller",
    "CallerDep",
    "Clock",
    "EventHandler",
    "MemberCaller",
    "NationalOrganiser",
    "OrganiserCaller",
    "Registry",
    "SchoolCaller",
    "Scope",
    "SystemClock",
    "TimerHandler",
    "UnitFactory",
    "UnitOfWork",
    "bearer_credentials",
    "begin",
    "caller_in_role",
    "current_caller",
]
