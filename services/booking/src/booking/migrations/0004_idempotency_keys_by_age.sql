-- Housekeeping finds expired keys through this instead of reading the whole table (see the kit's
-- 0000_platform_02_housekeeping_indexes.sql for why BRIN).
CREATE INDEX idempotency_keys_created_at ON idempotency_keys USING brin (created_at) WITH (autosummarize = on);
