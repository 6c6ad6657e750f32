-- Bulkheads: a timer or outbox row that fails for a reason retrying cannot mend is set aside (with the reason and the
-- time) instead of blocking or vanishing, and listed at GET /v1/operations/set-aside.
ALTER TABLE timers DROP CONSTRAINT timers_status_check;
ALTER TABLE timers ADD CONSTRAINT timers_status_check CHECK (status IN ('pending', 'done', 'cancelled', 'failed'));
ALTER TABLE timers ADD COLUMN set_aside_at TIMESTAMPTZ;
CREATE INDEX timers_set_aside ON timers (set_aside_at) WHERE set_aside_at IS NOT NULL;

ALTER TABLE outbox ADD COLUMN set_aside_at TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
DROP INDEX outbox_unpublished;
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL AND set_aside_at IS NULL;
CREATE INDEX outbox_set_aside ON outbox (set_aside_at) WHERE set_aside_at IS NOT NULL;

-- Items of loops that have no row of their own to mark (a housekeeping chore's visit whose contact cannot be erased):
-- the loop skips them from then on, and organisers see them with the reason.
CREATE TABLE set_aside (
    loop         TEXT NOT NULL,
    key          TEXT NOT NULL,
    reason       TEXT NOT NULL,
    set_aside_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (loop, key)
);
