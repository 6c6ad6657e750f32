-- The roster, the visits being staffed, their offers, and completed visits (for fairness).
CREATE TABLE members (
    id                   UUID PRIMARY KEY,
    name                 TEXT NOT NULL,
    email                TEXT NOT NULL,
    phone                TEXT NOT NULL,
    employer             TEXT,
    profession           TEXT NOT NULL CHECK (profession IN ('nurse', 'health_worker')),
    kommunenummer        TEXT NOT NULL,
    fylke                TEXT NOT NULL,
    languages            TEXT[] NOT NULL,
    max_visits_per_month INT NOT NULL,
    travel_radius_km     INT NOT NULL,
    weekdays             INT[] NOT NULL,
    unavailable_dates    DATE[] NOT NULL DEFAULT '{}',
    active               BOOLEAN NOT NULL DEFAULT true,
    trained_year         INT,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX members_email ON members (lower(email));
CREATE INDEX members_matching ON members (kommunenummer, profession) WHERE active;
CREATE INDEX members_radius ON members (travel_radius_km) WHERE active;

CREATE TABLE visits (
    id             TEXT PRIMARY KEY,
    request        JSONB NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'cancelled', 'released')),
    round          INT NOT NULL DEFAULT 1,
    window_start   TIMESTAMPTZ,
    window_end     TIMESTAMPTZ,
    confirmed_once BOOLEAN NOT NULL DEFAULT false,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE offers (
    id             UUID PRIMARY KEY,
    visit_id       TEXT NOT NULL REFERENCES visits (id),
    member_id      UUID NOT NULL,
    round          INT NOT NULL,
    status         TEXT NOT NULL
        CHECK (status IN ('offered', 'accepted', 'declined', 'expired', 'withdrawn', 'released')),
    window_start   TIMESTAMPTZ NOT NULL,
    window_end     TIMESTAMPTZ NOT NULL,
    busy           TSTZRANGE NOT NULL, -- [window start, window end + travel buffer)
    expires_at     TIMESTAMPTZ NOT NULL,
    reason         TEXT NOT NULL,
    decline_reason TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    answered_at    TIMESTAMPTZ
);
CREATE INDEX offers_member_holding ON offers (member_id, window_start) WHERE status IN ('offered', 'accepted');
CREATE INDEX offers_visit ON offers (visit_id, round);
CREATE UNIQUE INDEX offers_one_seat_per_member ON offers (visit_id, member_id)
    WHERE status IN ('offered', 'accepted');

CREATE TABLE completed_visits (
    visit_id    TEXT NOT NULL,
    member_id   UUID NOT NULL,
    visit_start TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (visit_id, member_id)
);
CREATE INDEX completed_visits_member ON completed_visits (member_id, visit_start);

-- No double booking and no more than the monthly limit, enforced here for every writer. An exclusion
-- constraint would need btree_gist (superuser to install), so the member's row lock serialises the
-- transactions deciding about that member's time; each later one then sees the earlier one's offers.
CREATE FUNCTION offers_guard_member_time() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    monthly_limit INT;
    clash UUID;
    taken INT;
BEGIN
    IF NEW.status NOT IN ('offered', 'accepted') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status IN ('offered', 'accepted') AND OLD.busy = NEW.busy THEN
        RETURN NEW;
    END IF;
    SELECT max_visits_per_month INTO monthly_limit FROM members WHERE id = NEW.member_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'member % is not on the roster', NEW.member_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT id INTO clash FROM offers
        WHERE member_id = NEW.member_id AND id <> NEW.id AND status IN ('offered', 'accepted')
          AND busy && NEW.busy
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'member % already holds offer % at that time', NEW.member_id, clash
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'offers_no_double_booking';
    END IF;
    SELECT count(*) INTO taken FROM offers
        WHERE member_id = NEW.member_id AND id <> NEW.id AND status IN ('offered', 'accepted')
          AND date_trunc('month', window_start AT TIME ZONE 'Europe/Oslo')
              = date_trunc('month', NEW.window_start AT TIME ZONE 'Europe/Oslo');
    IF taken >= monthly_limit THEN
        RAISE EXCEPTION 'member % has reached the monthly limit of % visits', NEW.member_id, monthly_limit
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'offers_monthly_limit';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER offers_guard BEFORE INSERT OR UPDATE ON offers
    FOR EACH ROW EXECUTE FUNCTION offers_guard_member_time();
