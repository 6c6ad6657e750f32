-- depends: 0005_visits_reported
-- The attention list at national scale (300,000 visits over ten years) reads through indexes:
-- unfulfilled visits whose last window has not ended (a visit's last window end kept as a column: its JSON cannot
-- be indexed), and visits that lost a team member soon.
ALTER TABLE visits ADD COLUMN last_end TIMESTAMPTZ;
UPDATE visits v SET last_end = (SELECT max((w->>'end')::timestamptz) FROM jsonb_array_elements(v.request->'windows') w);
CREATE INDEX visits_unfulfilled_ahead ON visits (last_end) WHERE unfulfilled_at IS NOT NULL AND status IN ('open', 'released');
CREATE INDEX visits_team_short ON visits (window_start) WHERE status = 'open' AND confirmed_once;
