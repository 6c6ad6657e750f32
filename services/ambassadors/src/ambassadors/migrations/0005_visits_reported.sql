-- depends: 0004_manual_staffing
-- When a visit held was reported (its completed_visits rows written): the attention list's "report missing" then
-- reads the few confirmed visits without a report through an index, instead of every confirmed visit ever held
-- (300,000 at national scale) each checked against completed_visits.
ALTER TABLE visits ADD COLUMN reported_at TIMESTAMPTZ;
UPDATE visits v SET reported_at = now() WHERE EXISTS (SELECT 1 FROM completed_visits c WHERE c.visit_id = v.id);
CREATE INDEX visits_report_missing ON visits (window_end, id) WHERE status = 'confirmed' AND reported_at IS NULL;
