"""The training service's rule violations."""

from outreach_shared.errors import Conflict, Invalid, NotFound


class GatheringNotFound(NotFound):
    """No such gathering (or not visible to the caller)."""


class WrongGatheringState(Conflict):
    """The gathering's status does not allow this now."""


class RegistrationRefused(Conflict):
    """A member may not register (window, invitation or already registered)."""


class InvalidSchedule(Invalid):
    """A date or time of the gathering does not make sense."""
