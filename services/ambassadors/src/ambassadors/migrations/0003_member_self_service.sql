-- depends: 0002_seat_index_member_first
-- Members keep their own availability: the parts of the day they can go, date ranges they are away (a holiday:
-- [{"from": "2026-07-01", "to": "2026-07-21", "note": "..."}]), and the language of their notices (NULL: the first
-- language they speak). Completed visits remember the pupils the team reported, for the member's own totals.
ALTER TABLE members
    ADD COLUMN times_of_day    TEXT[] NOT NULL DEFAULT '{morning,midday,afternoon}',
    ADD COLUMN unavailable     JSONB NOT NULL DEFAULT '[]',
    ADD COLUMN notice_language TEXT CHECK (notice_language IN ('nb', 'nn', 'en'));
ALTER TABLE completed_visits ADD COLUMN pupils_reached INT;
