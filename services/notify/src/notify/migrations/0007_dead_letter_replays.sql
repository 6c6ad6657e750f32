-- depends: 0006_calendar_feeds
-- Replays of dead letters from the organisers' operations page: when the last one was, by whom (an organiser's
-- subject, never a name) and how many there were. A dead letter is replayed once unless asked again.
ALTER TABLE dead_letters
    ADD COLUMN replayed_at TIMESTAMPTZ,
    ADD COLUMN replayed_by TEXT,
    ADD COLUMN replays     INT NOT NULL DEFAULT 0;
