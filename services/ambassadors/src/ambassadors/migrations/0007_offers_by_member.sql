-- depends: 0006_attention_indexes
-- A member's own offers of every state, newest window first (GET /v1/me/offers): read through an index, not the
-- 730,000 offers of ten national school years.
CREATE INDEX offers_by_member ON offers (member_id, window_start DESC);
