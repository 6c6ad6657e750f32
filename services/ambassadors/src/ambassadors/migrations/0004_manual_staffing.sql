-- depends: 0003_member_self_service
-- Manual staffing: a visit no team could be found for (until offers are made again), and offers an organiser made.
ALTER TABLE visits ADD COLUMN unfulfilled_reason TEXT;
ALTER TABLE visits ADD COLUMN unfulfilled_at TIMESTAMPTZ;
ALTER TABLE offers ADD COLUMN override BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX visits_unfulfilled ON visits (unfulfilled_at) WHERE unfulfilled_at IS NOT NULL;
CREATE INDEX offers_open_expiry ON offers (expires_at) WHERE status = 'offered';
