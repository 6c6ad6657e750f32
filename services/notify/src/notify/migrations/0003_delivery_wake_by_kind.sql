-- Wake only the delivery loop that has work: the inbox loop for pending in-app inbox deliveries (members' inbox
-- items are mostly written with their notices, so most plans have none), a send loop for e-mail and SMS.
-- The payload names which; the worker's listener reads it.
CREATE FUNCTION deliveries_planned_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM planned WHERE status = 'pending' AND channel = 'inbox') THEN
        PERFORM pg_notify(TG_TABLE_SCHEMA || '_deliveries', 'inbox');
    END IF;
    IF EXISTS (SELECT 1 FROM planned WHERE status = 'pending' AND channel <> 'inbox') THEN
        PERFORM pg_notify(TG_TABLE_SCHEMA || '_deliveries', 'send');
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION deliveries_due_again_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '_deliveries', CASE WHEN NEW.channel = 'inbox' THEN 'inbox' ELSE 'send' END);
    RETURN NULL;
END;
$$;

DROP TRIGGER deliveries_planned ON deliveries;
DROP TRIGGER deliveries_due_again ON deliveries;
DROP FUNCTION deliveries_notify();
CREATE TRIGGER deliveries_planned AFTER INSERT ON deliveries REFERENCING NEW TABLE AS planned
    FOR EACH STATEMENT EXECUTE FUNCTION deliveries_planned_notify();
CREATE TRIGGER deliveries_due_again AFTER UPDATE OF next_attempt_at ON deliveries FOR EACH ROW
    WHEN (NEW.status = 'pending' AND NEW.next_attempt_at <= now()) EXECUTE FUNCTION deliveries_due_again_notify();
