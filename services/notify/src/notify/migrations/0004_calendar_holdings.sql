-- What each attendee holds of each calendar event: the last invitation (REQUEST) or withdrawal (CANCEL) planned for
-- them, so a CANCEL goes to exactly those who hold a live invitation, with a SEQUENCE above theirs.
CREATE TABLE calendar_holdings (
    uid        TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    sequence   INT NOT NULL,
    cancelled  BOOLEAN NOT NULL,
    start_at   TIMESTAMPTZ NOT NULL,
    end_at     TIMESTAMPTZ NOT NULL,
    summary    TEXT NOT NULL,
    location   TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (uid, recipient)
);
CREATE INDEX calendar_holdings_recipient ON calendar_holdings (recipient);
