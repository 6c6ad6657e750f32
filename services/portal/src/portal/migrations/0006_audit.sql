-- depends: 0005_identities
-- The audit log: who (an account key such as `organiser:<id>`, a client id, or `anonymous`), what, on what, when,
-- from where. Never names, e-mail addresses or tokens. Append-only: the database itself refuses UPDATE, and refuses
-- DELETE except of rows older than the retention the purge declares for its own statement (at least 30 days).
CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor        text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    action       text NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
    target       text CHECK (length(target) <= 200),
    from_address text CHECK (length(from_address) <= 64),
    details      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_by_time ON audit_log (at, id);
CREATE INDEX audit_log_by_action ON audit_log (action, at, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor, at, id);

-- The purge sets `portal.audit_keep_hours` for its own transaction (set_config(..., true)); a row may be deleted only
-- when it is older than that retention, and the retention is never below 30 days. Anything else is refused.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    keep_hours integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        keep_hours := nullif(current_setting('portal.audit_keep_hours', true), '')::integer;
        IF keep_hours IS NOT NULL AND keep_hours >= 30 * 24
           AND OLD.at < now() - make_interval(hours => keep_hours) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE FUNCTION audit_log_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: TRUNCATE refused' USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_no_truncate();
