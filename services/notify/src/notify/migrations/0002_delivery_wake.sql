-- Wake the delivery workers as soon as a transaction that planned (or released) deliveries commits.
CREATE FUNCTION deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '_deliveries', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER deliveries_planned AFTER INSERT ON deliveries FOR EACH STATEMENT EXECUTE FUNCTION deliveries_notify();
CREATE TRIGGER deliveries_due_again AFTER UPDATE OF next_attempt_at ON deliveries FOR EACH ROW
    WHEN (NEW.status = 'pending' AND NEW.next_attempt_at <= now()) EXECUTE FUNCTION deliveries_notify();
