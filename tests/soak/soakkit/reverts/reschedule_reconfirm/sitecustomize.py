"""SOAK_REVERT=reschedule-reconfirm: the ambassadors fix of 8c5b2af taken out again (a real past bug).

Before it, a reschedule started a new round but kept `confirmed_once`, so the new round's full team published
`team.changed` instead of `team.confirmed`; booking (which had moved the visit back to requested) refused the change
and released both members, and the visit stayed requested for good. Loaded into each service process at start-up
(never in production): in the ambassadors service it puts the old `Visit.rescheduled` back; elsewhere it does
nothing.
"""

from dataclasses import replace

try:
    from ambassadors.domain.visits import Visit
except ImportError:  # not a process that has the ambassadors service
    Visit = None

if Visit is not None:

    def _rescheduled_before_the_fix(self, request):  # noqa: ANN001, ANN202
        return replace(self, request=request, status="open", round=self.round + 1, window=None)

    Visit.rescheduled = _rescheduled_before_the_fix
