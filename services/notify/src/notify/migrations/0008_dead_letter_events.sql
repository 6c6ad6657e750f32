-- depends: 0007_dead_letter_replays
-- The event a dead letter carried, as its record names it (id and type; none for a record that is no JSON object),
-- so the operations page says which event was refused without showing the payload.
ALTER TABLE dead_letters
    ADD COLUMN event_id   TEXT,
    ADD COLUMN event_type TEXT;
