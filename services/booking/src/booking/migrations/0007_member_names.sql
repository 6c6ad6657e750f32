-- depends: 0006_surveys
-- Team members' first names come from the compacted members topic, not from team events (which carry ids only):
-- one row a member, deleted when the member is erased. A team's stored first_name is kept only from records written
-- before that (and replaced by a placeholder on erasure).
CREATE TABLE member_names (
    member_id  TEXT PRIMARY KEY,
    first_name TEXT NOT NULL
);
ALTER TABLE visit_team_members ALTER COLUMN first_name DROP NOT NULL;
