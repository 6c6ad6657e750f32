-- depends: 0007_member_names
-- The visit list's order (oldest request first, keyset pages after (created_at, seq)) read from an index, so that a
-- page of an organiser's list at national scale reads a page of rows, not the table; the filters are checked on the
-- way. The impact figures of one school year read visits_by_date.
CREATE INDEX visits_by_creation ON visits (created_at, seq);
