-- Housekeeping finds the rows whose time is up through these instead of reading the whole table each hour. BRIN:
-- a few pages per table, next to nothing to keep up on insert, and it does not stop HOT updates; rows come in time
-- order, so each block range covers a narrow span of time. Ranges filled since the last summary are always read.
CREATE INDEX inbox_handled_at ON inbox USING brin (handled_at) WITH (autosummarize = on);
CREATE INDEX outbox_published_at ON outbox USING brin (published_at) WITH (autosummarize = on);
