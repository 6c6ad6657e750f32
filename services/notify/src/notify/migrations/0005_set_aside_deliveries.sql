-- A delivery that cannot be rendered or built (a date out of range, a template error) is set aside: `failed` with the
-- reason in last_error and the time here, so the delivery log and GET /v1/operations/set-aside show it.
ALTER TABLE deliveries ADD COLUMN set_aside_at TIMESTAMPTZ;
CREATE INDEX deliveries_set_aside ON deliveries (set_aside_at) WHERE set_aside_at IS NOT NULL;
