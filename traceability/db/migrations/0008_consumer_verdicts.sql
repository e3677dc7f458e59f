-- Verdicts a consumer can act on: why a stamp was revoked, lot recalls, reports of fakes.

-- Each cause of a revocation has its own words on the scan page.
ALTER TABLE stamp_revocations
    ADD COLUMN category text NOT NULL DEFAULT 'other',
    ADD CONSTRAINT stamp_revocations_category
        CHECK (category IN ('damaged_replaced', 'recalled', 'counterfeit', 'other'));

-- A lot called back by its cooperative or the authority: every stamp of it says so.
CREATE TABLE lot_recalls (
    lot_id        bigint PRIMARY KEY REFERENCES lots (id),
    reason        short_text  NOT NULL,
    recalled_at   timestamptz NOT NULL DEFAULT now(),
    recalled_by   bigint REFERENCES api_keys (id),
    recalled_by_role text     NOT NULL
        CONSTRAINT lot_recalls_role CHECK (recalled_by_role IN ('authority', 'cooperative'))
);

-- What consumers report from a forged, suspicious or revoked stamp's page. No address is
-- kept: the network is a keyed hash (for the rate limit), the photo is re-encoded without
-- its metadata (no location).
CREATE TABLE consumer_reports (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at   timestamptz NOT NULL DEFAULT now(),
    code          text        NOT NULL CONSTRAINT consumer_reports_code CHECK (length(code) <= 400),
    serial        bigint,
    batch_id      bigint REFERENCES stamp_batches (id),
    verdict       text        NOT NULL,
    reason        text,
    problem       text        NOT NULL
        CONSTRAINT consumer_reports_problem CHECK (length(problem) BETWEEN 1 AND 1000),
    bought_at     text        CONSTRAINT consumer_reports_bought_at CHECK (length(bought_at) <= 200),
    phone         text        CONSTRAINT consumer_reports_phone CHECK (phone ~ '^\+?[0-9 ().-]{6,20}$'),
    photo         bytea       CONSTRAINT consumer_reports_photo CHECK (length(photo) <= 2097152),
    language      text        NOT NULL CONSTRAINT consumer_reports_language CHECK (language IN ('vi', 'en')),
    client_hash   text
);
CREATE INDEX consumer_reports_client ON consumer_reports (client_hash, received_at);
CREATE INDEX consumer_reports_serial ON consumer_reports (serial) WHERE serial IS NOT NULL;
