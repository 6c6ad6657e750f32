-- depends: 0002_member_pages
-- The organisers' list of gatherings, newest first, all or of one status (a few a year: the status is a filter on
-- the way): a page is read through this index (keyset on starts_at and id), never by sorting the whole table.
CREATE INDEX gatherings_newest ON gatherings (starts_at DESC, id DESC);
