"""The durable timers that remind a school of its unanswered feedback link (the kit's timers table)."""

from datetime import datetime

import asyncpg

from outreach_shared import timers

FEEDBACK_REMINDER = "feedback-reminder"
"""Timer kind; the key is the visit id."""


class FeedbackReminders:
    """Sets and withdraws a visit's feedback reminder."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def schedule(self, visit_id: str, due_at: datetime) -> None:
        """Remind the visit's school at `due_at` (moves a reminder already set)."""
        await timers.schedule(self._conn, FEEDBACK_REMINDER, visit_id, due_at)

    async def cancel(self, visit_id: str) -> None:
        """No reminder for the visit (it was answered)."""
        await timers.cancel(self._conn, FEEDBACK_REMINDER, visit_id)
