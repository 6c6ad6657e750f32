-- The time a visit's calendar event was last sent out for: kept after a reschedule or a cancellation, so
-- calendar.ics can still withdraw it (METHOD:CANCEL) until the visit is confirmed again.
ALTER TABLE visits ADD COLUMN calendar_start TIMESTAMPTZ, ADD COLUMN calendar_end TIMESTAMPTZ;
UPDATE visits SET calendar_start = scheduled_start, calendar_end = scheduled_end WHERE scheduled_start IS NOT NULL;
