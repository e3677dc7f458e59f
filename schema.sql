-- Hà Giang smart-stamp traceability: the one truth about the database.
--
-- This file is the whole current schema. A new database gets it in one go; an existing
-- database is brought up to date by the numbered files in traceability/db/migrations/
-- (NNNN_what.sql, each run once, in order, in its own transaction). The version this file
-- describes is recorded at the end; a test checks it equals the newest migration number.
--
-- Rules the data must obey live here as constraints, so that a bug in the service can
-- make a request fail but never store a wrong record.

CREATE TABLE schema_version (
    version     integer PRIMARY KEY,
    description text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------------------
-- Identifier checks (GS1 mod-10 check digit, shared by GTIN and GLN)

CREATE FUNCTION gs1_check_digit_ok(code text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT code ~ '^[0-9]+$'
       AND (
           SELECT (10 - (sum(substr(reverse(code), i, 1)::int
                             * CASE WHEN i % 2 = 0 THEN 3 ELSE 1 END) % 10)) % 10
           FROM generate_series(2, length(code)) AS i
       ) = right(code, 1)::int
$$;

CREATE DOMAIN gtin14 AS text
    CHECK (VALUE ~ '^[0-9]{14}$' AND gs1_check_digit_ok(VALUE));

CREATE DOMAIN gln13 AS text
    CHECK (VALUE ~ '^[0-9]{13}$' AND gs1_check_digit_ok(VALUE));

-- Text people read: NFC, no control, format (bidi, zero-width, BOM, soft hyphen), private-use,
-- noncharacter or separator code points (the service checks the same at its edge); multiline
-- text may hold line breaks.
CREATE FUNCTION text_is_clean(value text, multiline boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT value IS NFC NORMALIZED
       AND value !~ '[\u0001-\u0008\u000B-\u001F\u007F-\u009F\u00AD\u061C\u115F\u1160\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFFB\uFDD0-\uFDEF\uFFFE\uFFFF\uE000-\uF8FF\U0001FFFE\U0001FFFF\U0002FFFE\U0002FFFF\U0003FFFE\U0003FFFF\U0004FFFE\U0004FFFF\U0005FFFE\U0005FFFF\U0006FFFE\U0006FFFF\U0007FFFE\U0007FFFF\U0008FFFE\U0008FFFF\U0009FFFE\U0009FFFF\U000AFFFE\U000AFFFF\U000BFFFE\U000BFFFF\U000CFFFE\U000CFFFF\U000DFFFE\U000DFFFF\U000EFFFE\U000EFFFF\U000F0000-\U0010FFFF]'
       AND (multiline OR value !~ '[\n\t]')
$$;

-- Names people type: trimmed, non-empty, bounded, clean.
CREATE DOMAIN short_text AS text
    CHECK (VALUE = btrim(VALUE) AND length(VALUE) BETWEEN 1 AND 200)
    CONSTRAINT short_text_clean CHECK (text_is_clean(VALUE, false));

CREATE DOMAIN long_text AS text
    CHECK (length(VALUE) <= 5000)
    CONSTRAINT long_text_clean CHECK (text_is_clean(VALUE, true));

CREATE DOMAIN https_url AS text
    CHECK (VALUE ~ '^https://[^\s/$.?#][^\s]*$' AND length(VALUE) <= 2000);

CREATE DOMAIN latitude AS double precision CHECK (VALUE BETWEEN -90 AND 90);
CREATE DOMAIN longitude AS double precision CHECK (VALUE BETWEEN -180 AND 180);

-- ---------------------------------------------------------------------------------------
-- Accounts

CREATE TABLE cooperatives (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           short_text  NOT NULL,
    -- Vietnamese enterprise/tax code: 10 digits, or 10 digits + '-' + 3 for a branch.
    tax_code       text        NOT NULL CHECK (tax_code ~ '^[0-9]{10}(-[0-9]{3})?$'),
    -- Since 1 July 2025 local government has two levels: province and commune. The former
    -- district (huyện) is optional, kept for history and names such as "Mèo Vạc".
    province       short_text  NOT NULL,
    district       short_text,
    commune        short_text  NOT NULL,
    address_line   short_text,
    latitude       latitude,
    longitude      longitude,
    contact_name   short_text,
    phone          text CHECK (phone ~ '^\+?[0-9 ().-]{6,20}$'),
    email          text CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254),
    website        https_url,
    gln            gln13 UNIQUE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    -- Suspended by the authority: its people and keys stop working, its stamps keep
    -- verifying (consumers are not punished for a cooperative's paperwork).
    suspended_at   timestamptz,
    suspension_reason short_text,
    CONSTRAINT cooperatives_tax_code_key UNIQUE (tax_code),
    CONSTRAINT cooperatives_location_pair CHECK ((latitude IS NULL) = (longitude IS NULL)),
    CONSTRAINT cooperatives_suspension_has_reason
        CHECK ((suspended_at IS NULL) = (suspension_reason IS NULL))
);

-- Supermarket chains (chuỗi siêu thị) and their stores. A retailer's people and API keys
-- belong to a chain; a chain sees its own deliveries, people and keys, never another's.
CREATE TABLE chains (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              short_text  NOT NULL,
    tax_code          text CHECK (tax_code ~ '^[0-9]{10}(-[0-9]{3})?$'),
    gln               gln13,
    -- The head office: province and commune (two-level local government since July 2025).
    province          short_text,
    commune           short_text,
    address_line      short_text,
    contact_name      short_text,
    phone             text CHECK (phone ~ '^\+?[0-9 ().-]{6,20}$'),
    email             text CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254),
    -- True only for a chain made from a retailer key or person that existed before chains
    -- (migration 0010): its tax code and address are unknown until the authority fills them.
    incomplete        boolean     NOT NULL DEFAULT false,
    suspended_at      timestamptz,
    suspension_reason short_text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chains_tax_code_key UNIQUE (tax_code),
    CONSTRAINT chains_gln_key UNIQUE (gln),
    CONSTRAINT chains_complete
        CHECK (incomplete OR (tax_code IS NOT NULL AND province IS NOT NULL AND commune IS NOT NULL)),
    CONSTRAINT chains_suspension_has_reason
        CHECK ((suspended_at IS NULL) = (suspension_reason IS NULL))
);

CREATE TABLE stores (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chain_id      bigint      NOT NULL REFERENCES chains (id),
    name          short_text  NOT NULL,
    gln           gln13,
    province      short_text  NOT NULL,
    commune       short_text  NOT NULL,
    address_line  short_text,
    -- Where shoppers scan what the store received: the clone rules weigh scans near it less.
    latitude      latitude,
    longitude     longitude,
    -- A closed store keeps its deliveries; no new ones are recorded there.
    closed_at     timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT stores_chain_name_key UNIQUE (chain_id, name),
    CONSTRAINT stores_gln_key UNIQUE (gln),
    -- Lets a delivery name its store and chain together (a store of another chain cannot be).
    CONSTRAINT stores_id_chain_key UNIQUE (id, chain_id),
    CONSTRAINT stores_location_pair CHECK ((latitude IS NULL) = (longitude IS NULL))
);

CREATE TABLE api_keys (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            short_text  NOT NULL,
    role            text        NOT NULL CHECK (role IN ('authority', 'cooperative', 'retailer')),
    cooperative_id  bigint REFERENCES cooperatives (id),
    -- The key is shown once; only its SHA-256 is kept. The prefix lets people tell keys apart.
    prefix          text        NOT NULL,
    secret_hash     bytea       NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      bigint REFERENCES api_keys (id),
    last_used_at    timestamptz,
    revoked_at      timestamptz,
    -- A retailer's key belongs to its chain.
    chain_id        bigint REFERENCES chains (id),
    CONSTRAINT api_keys_cooperative_role
        CHECK ((role = 'cooperative') = (cooperative_id IS NOT NULL)),
    CONSTRAINT api_keys_chain_role CHECK ((role = 'retailer') = (chain_id IS NOT NULL))
);
CREATE INDEX api_keys_chain ON api_keys (chain_id, id) WHERE chain_id IS NOT NULL;

CREATE TABLE users (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- A Vietnamese mobile number (0 and 9–10 digits, stored without spaces) or an e-mail
    -- address, lower-cased: what the person types to sign in.
    login                 text        NOT NULL CHECK (
                              login = lower(btrim(login))
                              AND (login ~ '^0[0-9]{9,10}$'
                                   OR (login ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(login) <= 254))),
    display_name          short_text  NOT NULL,
    role                  text        NOT NULL CHECK (role IN ('authority', 'cooperative', 'retailer')),
    -- The organisation: a cooperative's staff belong to it, a retailer's to its chain.
    cooperative_id        bigint REFERENCES cooperatives (id),
    language              text        NOT NULL DEFAULT 'vi' CHECK (language IN ('vi', 'en')),
    -- Argon2id in PHC string form.
    password_hash         text        NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    -- A password someone else chose (first or reset) must be changed at the next sign-in.
    password_is_temporary boolean     NOT NULL DEFAULT true,
    password_changed_at   timestamptz NOT NULL DEFAULT now(),
    -- RFC 6238 second factor (base32 secret); the last accepted time step stops replays.
    totp_secret           text CHECK (totp_secret ~ '^[A-Z2-7]{32}$'),
    totp_last_step        bigint,
    created_at            timestamptz NOT NULL DEFAULT now(),
    created_by_user_id    bigint REFERENCES users (id),
    disabled_at           timestamptz,
    chain_id              bigint REFERENCES chains (id),
    CONSTRAINT users_login_key UNIQUE (login),
    CONSTRAINT users_cooperative_role CHECK ((role = 'cooperative') = (cooperative_id IS NOT NULL)),
    CONSTRAINT users_chain_role CHECK ((role = 'retailer') = (chain_id IS NOT NULL))
);
CREATE INDEX users_cooperative ON users (cooperative_id, id);
CREATE INDEX users_chain ON users (chain_id, id) WHERE chain_id IS NOT NULL;

-- One-time recovery codes for a lost second factor; only their SHA-256 is kept.
CREATE TABLE user_recovery_codes (
    user_id    bigint      NOT NULL REFERENCES users (id),
    code_hash  bytea       NOT NULL CHECK (length(code_hash) = 32),
    used_at    timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Server-side sessions: the cookie holds a random token, the database its SHA-256.
-- A session passes through stages (a temporary password to change, a second factor to
-- enrol or give) before it is signed in; only then does it open the portal.
CREATE TABLE user_sessions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash    bytea       NOT NULL CHECK (length(token_hash) = 32),
    user_id       bigint      NOT NULL REFERENCES users (id),
    stage         text        NOT NULL
                  CHECK (stage IN ('change_password', 'enrol_totp', 'verify_totp', 'signed_in')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    user_agent    text CHECK (length(user_agent) <= 300),
    CONSTRAINT user_sessions_token_hash_key UNIQUE (token_hash),
    CONSTRAINT user_sessions_expiry_after_start CHECK (expires_at > created_at)
);
CREATE INDEX user_sessions_user ON user_sessions (user_id) WHERE revoked_at IS NULL;

-- Failed sign-ins, to slow down guessing per account and per network (a keyed hash of
-- the network prefix, never an address). Old rows are pruned as new ones come.
CREATE TABLE sign_in_failures (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    login     text        NOT NULL CHECK (length(login) <= 300),
    network   text
);
CREATE INDEX sign_in_failures_login ON sign_in_failures (login, at);
CREATE INDEX sign_in_failures_network ON sign_in_failures (network, at);

-- Append-only: who changed what, when, with the record before and after.
CREATE TABLE audit_log (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor_key_id    bigint REFERENCES api_keys (id),
    actor_role      text        NOT NULL,
    action          text        NOT NULL,
    entity          text        NOT NULL,
    entity_id       text        NOT NULL,
    cooperative_id  bigint REFERENCES cooperatives (id),
    before          jsonb,
    after           jsonb,
    -- A portal action names the person; an API call names its key (actor_key_id).
    actor_user_id   bigint REFERENCES users (id)
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_cooperative ON audit_log (cooperative_id, id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- ---------------------------------------------------------------------------------------
-- The registry

CREATE TABLE planting_areas (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id  bigint      NOT NULL REFERENCES cooperatives (id),
    -- Decision 3156/QĐ-BNN-TT: VN-<province>-<district>-<commune>-<facility seq>-<YY>
    code            text        NOT NULL
        CHECK (code ~ '^VN-[A-Z0-9]{1,6}-[A-Z0-9]{1,6}-[A-Z0-9]{1,8}-[0-9]{1,4}-[0-9]{2}$'),
    name            short_text,
    crop            short_text  NOT NULL,
    area_ha         numeric(12, 4) NOT NULL CHECK (area_ha > 0 AND area_ha < 100000),
    latitude        latitude,
    longitude       longitude,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- A GLN when the area has one: EPCIS exports name the harvest's place by its SGLN.
    gln             gln13,
    CONSTRAINT planting_areas_code_key UNIQUE (code),
    CONSTRAINT planting_areas_location_pair CHECK ((latitude IS NULL) = (longitude IS NULL)),
    CONSTRAINT planting_areas_gln_key UNIQUE (gln)
);
CREATE INDEX planting_areas_cooperative ON planting_areas (cooperative_id, id);

CREATE TABLE products (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id          bigint      NOT NULL REFERENCES cooperatives (id),
    name_vi                 short_text  NOT NULL,
    name_en                 short_text,
    category                text        NOT NULL CHECK (category IN (
                                'fruit', 'tea', 'honey', 'vegetable', 'grain', 'medicinal_herb',
                                'livestock', 'processed_food', 'beverage', 'handicraft', 'other')),
    gtin                    gtin14,
    brand                   short_text,
    ocop_stars              smallint CHECK (ocop_stars BETWEEN 3 AND 5),
    ocop_score              smallint CHECK (ocop_score BETWEEN 0 AND 100),
    ocop_certificate_no     short_text,
    ocop_issued_on          date,
    ocop_expires_on         date,
    geographical_indication short_text,
    applied_standards       short_text,
    description             long_text,
    image_url               https_url,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT products_gtin_key UNIQUE (gtin),
    -- Decision 148/QĐ-TTg: 3★ = 50–69 points, 4★ = 70–89, 5★ = 90–100.
    CONSTRAINT products_ocop_score_matches_stars CHECK (
        ocop_score IS NULL OR ocop_stars IS NULL
        OR (ocop_stars = 3 AND ocop_score BETWEEN 50 AND 69)
        OR (ocop_stars = 4 AND ocop_score BETWEEN 70 AND 89)
        OR (ocop_stars = 5 AND ocop_score BETWEEN 90 AND 100)),
    CONSTRAINT products_ocop_dates_in_order CHECK (ocop_expires_on > ocop_issued_on),
    CONSTRAINT products_ocop_certificate_needs_stars
        CHECK (ocop_certificate_no IS NULL OR ocop_stars IS NOT NULL)
);
CREATE INDEX products_cooperative ON products (cooperative_id, id);

-- VietGAP, organic, ISO 22000… each with its own validity.
CREATE TABLE product_certifications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id  bigint      NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    scheme      short_text  NOT NULL,
    number      short_text,
    issuer      short_text,
    issued_on   date        NOT NULL,
    expires_on  date,
    CONSTRAINT product_certifications_dates_in_order CHECK (expires_on > issued_on)
);
CREATE INDEX product_certifications_product ON product_certifications (product_id, id);

CREATE TABLE marketplace_listings (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id  bigint      NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    platform    text        NOT NULL CHECK (platform IN (
                    'voso', 'postmart', 'sendo', 'shopee', 'lazada', 'tiktok_shop', 'tiki',
                    'vnexpress_shop', 'own_shop', 'other')),
    url         https_url   NOT NULL,
    label       short_text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- A marketplace listing on its platform's own hosts is approved when it is added; an
    -- own_shop or other URL waits for the authority before "buy again" leads there.
    approved_at timestamptz,
    approved_by bigint REFERENCES api_keys (id),
    CONSTRAINT marketplace_listings_product_url_key UNIQUE (product_id, url)
);

CREATE TABLE lots (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id        bigint      NOT NULL REFERENCES products (id),
    planting_area_id  bigint REFERENCES planting_areas (id),
    -- GS1 AI (10): up to 20 characters of the GS1 AI encodable set; we keep a safe subset.
    code              text        NOT NULL CHECK (code ~ '^[A-Za-z0-9._-]{1,20}$'),
    harvested_on      date        NOT NULL,
    quantity          numeric(14, 3) NOT NULL CHECK (quantity > 0),
    unit              text        NOT NULL CHECK (unit IN ('kg', 't', 'g', 'l', 'ml', 'box', 'jar', 'bag', 'piece')),
    expires_on        date,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT lots_product_code_key UNIQUE (product_id, code),
    CONSTRAINT lots_expiry_after_harvest CHECK (expires_on >= harvested_on)
);
CREATE INDEX lots_product ON lots (product_id, id);

-- EPCIS 2.0 events captured from cooperatives' own systems, each once: the id is GS1's
-- canonical event hash (CBV 2.0 §8.9), so the same event sent twice is one row. The event
-- is kept as sent (plus its own @context), so exports give it back unchanged.
CREATE TABLE epcis_captures (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id  bigint REFERENCES cooperatives (id),
    captured_by     bigint REFERENCES api_keys (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    event_count     integer     NOT NULL CHECK (event_count >= 0),
    new_count       integer     NOT NULL CHECK (new_count BETWEEN 0 AND event_count)
);
CREATE INDEX epcis_captures_cooperative ON epcis_captures (cooperative_id, id);

CREATE TABLE epcis_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_hash      text        NOT NULL
                    CHECK (event_hash ~ '^ni:///sha-256;[0-9a-f]{64}[?]ver=CBV2[.]0$'),
    event_type      text        NOT NULL CHECK (event_type IN ('ObjectEvent', 'AggregationEvent',
                        'TransactionEvent', 'TransformationEvent', 'AssociationEvent')),
    event_time      timestamptz NOT NULL,
    document        jsonb       NOT NULL CHECK (jsonb_typeof(document) = 'object'
                                                AND octet_length(document::text) <= 65536),
    capture_id      bigint      NOT NULL REFERENCES epcis_captures (id),
    cooperative_id  bigint REFERENCES cooperatives (id),
    CONSTRAINT epcis_events_hash_key UNIQUE (event_hash)
);
CREATE INDEX epcis_events_capture ON epcis_events (capture_id, id);

-- One step back, one step forward: what happened to a lot, where, by whom.
CREATE TABLE lot_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lot_id        bigint      NOT NULL REFERENCES lots (id),
    kind          text        NOT NULL CONSTRAINT lot_events_kind_check CHECK (kind IN (
                      'harvest', 'processing', 'packing', 'shipping', 'receiving', 'storing',
                      'inspecting', 'other')),
    occurred_at   timestamptz NOT NULL,
    -- The zone the actor was in, so the timeline shows local time as it was recorded.
    time_zone     text        NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
    place         short_text  NOT NULL,
    actor         short_text  NOT NULL,
    notes         long_text,
    recorded_by   bigint REFERENCES api_keys (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- The GLN of the place when it has one (exported as the event's SGLN).
    place_gln     gln13,
    -- Set for an event captured as EPCIS: the export gives that event back as it was sent.
    epcis_event_id bigint REFERENCES epcis_events (id),
    -- The lot's public timeline is written by its cooperative (or the authority); what
    -- others record (a retailer's receiving) is private to the cooperative and the authority.
    public        boolean     NOT NULL DEFAULT true,
    CONSTRAINT lot_events_epcis_once_per_lot UNIQUE (epcis_event_id, lot_id)
);
CREATE INDEX lot_events_timeline ON lot_events (lot_id, occurred_at, id);

-- An event happens during the lot's life: not before the day it was harvested (in Việt
-- Nam), not in the future (five minutes of clock skew allowed).
CREATE FUNCTION lot_events_within_lot_life() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    harvested date;
BEGIN
    SELECT harvested_on INTO harvested FROM lots WHERE id = NEW.lot_id;
    IF NEW.occurred_at < (harvested::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')
       OR NEW.occurred_at > now() + interval '5 minutes' THEN
        RAISE EXCEPTION 'lot event outside the lot''s life'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'lot_events_within_lot_life';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER lot_events_within_lot_life
    BEFORE INSERT OR UPDATE OF occurred_at, lot_id ON lot_events
    FOR EACH ROW EXECUTE FUNCTION lot_events_within_lot_life();

-- ---------------------------------------------------------------------------------------
-- Stamps. A batch is one row holding a contiguous serial range; a stamp gets a row of its
-- own only once it has state of its own (scanned, PIN used, revoked on its own).

-- One row: the next free serial. Allocating a range is one UPDATE, serialised by its lock.
CREATE TABLE serial_counter (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    next_serial bigint  NOT NULL CHECK (next_serial >= 0)
);
INSERT INTO serial_counter (next_serial) VALUES (1);

CREATE TABLE stamp_batches (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id   bigint      NOT NULL REFERENCES cooperatives (id),
    product_id       bigint      NOT NULL REFERENCES products (id),
    lot_id           bigint REFERENCES lots (id),
    serials          int8range   NOT NULL CHECK (NOT isempty(serials) AND lower_inc(serials)),
    quantity         integer     NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
    key_id           text        NOT NULL,
    unit_price_vnd   numeric(12, 2) NOT NULL CHECK (unit_price_vnd >= 0),
    -- Share of the cost the province pays (0.6 under the 2023 programme).
    subsidy_share    numeric(4, 3) NOT NULL CHECK (subsidy_share BETWEEN 0 AND 1),
    idempotency_key  text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    request_hash     bytea,
    created_by       bigint REFERENCES api_keys (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- What the QR holds: the compact signed code, or a GS1 Digital Link with AI (8030)
    -- signed for the GTIN kept here (docs/stamp-format.md §11), so re-prints stay identical.
    stamp_form       text        NOT NULL DEFAULT 'compact'
                     CHECK (stamp_form IN ('compact', 'gs1-digital-link')),
    gtin             gtin14,
    -- Whether the labels carry a scratch-off PIN: the print files print it, the scan page
    -- asks for it only then.
    scratch_pins     boolean     NOT NULL DEFAULT true,
    -- The first download of the print files: from then on the stamps may be on paper, so
    -- the order can no longer be cancelled (only its stamps revoked).
    downloaded_at    timestamptz,
    -- A cancelled order costs nothing (cost reports and statements leave it out). Before
    -- its download the cooperative cancels it; after, only the authority's approval of a
    -- request does (stamp_order_cancellations, checked by a trigger), which revokes its stamps.
    cancelled_at     timestamptz,
    cancel_reason    short_text,
    CONSTRAINT stamp_batches_cancel_reason_when_cancelled
        CHECK (cancel_reason IS NULL OR cancelled_at IS NOT NULL),
    CONSTRAINT stamp_batches_gs1_form_has_gtin
        CHECK ((stamp_form = 'gs1-digital-link') = (gtin IS NOT NULL)),
    CONSTRAINT stamp_batches_quantity_matches_range
        CHECK (upper(serials) - lower(serials) = quantity),
    CONSTRAINT stamp_batches_serials_disjoint EXCLUDE USING gist (serials WITH &&),
    CONSTRAINT stamp_batches_idempotency_key UNIQUE (cooperative_id, idempotency_key)
);
CREATE INDEX stamp_batches_cooperative ON stamp_batches (cooperative_id, id);
CREATE INDEX stamp_batches_lot ON stamp_batches (lot_id) WHERE lot_id IS NOT NULL;

-- Activation and revocation are recorded as serial ranges, so that activating a whole
-- 1,000,000-stamp batch is one row, not a million.
CREATE TABLE stamp_activations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id      bigint      NOT NULL REFERENCES stamp_batches (id),
    serials       int8range   NOT NULL CHECK (NOT isempty(serials)),
    lot_id        bigint REFERENCES lots (id),
    activated_at  timestamptz NOT NULL DEFAULT now(),
    activated_by  bigint REFERENCES api_keys (id)
);
CREATE INDEX stamp_activations_serials ON stamp_activations USING gist (serials);
CREATE INDEX stamp_activations_batch ON stamp_activations (batch_id, id);
CREATE INDEX stamp_activations_lot ON stamp_activations (lot_id) WHERE lot_id IS NOT NULL;

-- A cancelled order's stamps can never be activated. The row lock (FOR SHARE) waits for a
-- cancellation in flight, and a cancellation (which locks the row FOR UPDATE first) waits
-- for this activation to commit, so the two can never both succeed.
CREATE FUNCTION stamp_activation_batch_not_cancelled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM stamp_batches WHERE id = NEW.batch_id AND cancelled_at IS NULL FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'stamp batch % is cancelled', NEW.batch_id
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'stamp_activations_batch_not_cancelled';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER stamp_activations_batch_not_cancelled
    BEFORE INSERT ON stamp_activations
    FOR EACH ROW EXECUTE FUNCTION stamp_activation_batch_not_cancelled();

CREATE TABLE stamp_revocations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id      bigint      NOT NULL REFERENCES stamp_batches (id),
    serials       int8range   NOT NULL CHECK (NOT isempty(serials)),
    reason        short_text  NOT NULL,
    revoked_at    timestamptz NOT NULL DEFAULT now(),
    revoked_by    bigint REFERENCES api_keys (id),
    -- Each cause of a revocation has its own words on the scan page.
    category      text        NOT NULL DEFAULT 'other',
    CONSTRAINT stamp_revocations_category
        CHECK (category IN ('damaged_replaced', 'recalled', 'counterfeit', 'order_cancelled',
                            'other'))
);
CREATE INDEX stamp_revocations_serials ON stamp_revocations USING gist (serials);
CREATE INDEX stamp_revocations_batch ON stamp_revocations (batch_id, id);

-- Per-stamp state, created on first need. Everything a scan needs to judge the stamp is in
-- this row and bounded in size, so a stamp scanned 50,000 times costs what any stamp costs.
-- Cartons (logistic units, identified by their SSCC) and the stamped items packed into
-- them, as serial ranges. A stamp is in at most one carton at a time; unpacking keeps the
-- record (EPCIS exports an AggregationEvent ADD, then DELETE).
CREATE TABLE cartons (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id  bigint      NOT NULL REFERENCES cooperatives (id),
    sscc            text        NOT NULL CHECK (sscc ~ '^[0-9]{18}$' AND gs1_check_digit_ok(sscc)),
    packed_at       timestamptz NOT NULL,
    place_gln       gln13,
    packed_by       bigint REFERENCES api_keys (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    unpacked_at     timestamptz,
    CONSTRAINT cartons_sscc_key UNIQUE (sscc),
    CONSTRAINT cartons_unpacked_after_packing CHECK (unpacked_at >= packed_at)
);
CREATE INDEX cartons_cooperative ON cartons (cooperative_id, id);

CREATE TABLE carton_contents (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    carton_id   bigint      NOT NULL REFERENCES cartons (id),
    batch_id    bigint      NOT NULL REFERENCES stamp_batches (id),
    lot_id      bigint      NOT NULL REFERENCES lots (id),
    serials     int8range   NOT NULL CHECK (NOT isempty(serials) AND lower_inc(serials)),
    packed      boolean     NOT NULL DEFAULT true,
    CONSTRAINT carton_contents_packed_once EXCLUDE USING gist (serials WITH &&) WHERE (packed)
);
CREATE INDEX carton_contents_carton ON carton_contents (carton_id, id);
CREATE INDEX carton_contents_lot ON carton_contents (lot_id);

CREATE TABLE stamps (
    serial            bigint PRIMARY KEY CHECK (serial >= 0),
    batch_id          bigint      NOT NULL REFERENCES stamp_batches (id),
    first_scan_at     timestamptz,
    last_scan_at      timestamptz,
    -- Scans counted once per browser session (views below also count reloads).
    scan_count        bigint      NOT NULL DEFAULT 0 CHECK (scan_count >= 0),
    pin_verified_at   timestamptz,
    pin_failures      integer     NOT NULL DEFAULT 0 CHECK (pin_failures >= 0),
    -- Wrong PINs only count within a window after the last one, so a prankster cannot
    -- lock a genuine buyer out for ever.
    pin_last_failure_at timestamptz,
    scans_after_pin   bigint      NOT NULL DEFAULT 0,
    suspicious_at     timestamptz,
    suspicious_reason text,
    views             bigint      NOT NULL DEFAULT 0 CHECK (views >= 0),
    -- The clone rules' input since the stamp was last cleared: distinct sessions and
    -- networks, and a bounded list of witnesses (see traceability/scanning/clone.py).
    evidence          jsonb       NOT NULL DEFAULT '{}',
    suspicious_rule   text CHECK (suspicious_rule IN
                          ('crowd', 'spread', 'far_apart', 'countries', 'after_pin')),
    -- What the rule saw when it fired (kept when the mark is cleared, for the case history).
    suspicious_evidence jsonb,
    cleared_at        timestamptz,
    cleared_reason    text CHECK (length(cleared_reason) BETWEEN 1 AND 2000),
    CONSTRAINT stamps_suspicious_has_rule
        CHECK ((suspicious_at IS NULL) = (suspicious_rule IS NULL))
);
-- The suspicious list, newest first (the authority's queue).
CREATE INDEX stamps_suspicious ON stamps (suspicious_at DESC, serial DESC)
    WHERE suspicious_at IS NOT NULL;

-- Wrong PINs per client (a keyed hash of the network prefix, never an address), so one
-- client cannot guess its way through many stamps.
CREATE TABLE pin_client_failures (
    client_hash      text        PRIMARY KEY,
    failures         integer     NOT NULL CHECK (failures >= 0),
    last_failure_at  timestamptz NOT NULL
);

-- Every scan page served, partitioned by month (UTC) so old months are dropped whole
-- (TRACEABILITY_SCAN_RETENTION_MONTHS). Never a raw IP: the network is a keyed hash of its
-- prefix and its country; the session a keyed hash of the scan cookie; a location only
-- one the consumer chose to share, rounded. Monthly partitions are created ahead of time by
-- the service (scan_partition_ensure); the default partition only catches what they miss.
CREATE TABLE scans (
    scanned_at    timestamptz NOT NULL,
    serial        bigint,
    batch_id      bigint,
    verdict       text        NOT NULL,
    -- False for a reload of the same session's scan and for link previews.
    counted       boolean     NOT NULL,
    ua_family     text        NOT NULL,
    session       bigint,
    network       bigint,
    country       text CHECK (country ~ '^[A-Z]{2}$'),
    latitude      latitude,
    longitude     longitude
) PARTITION BY RANGE (scanned_at);
CREATE TABLE scans_default PARTITION OF scans DEFAULT;
CREATE INDEX scans_serial ON scans (serial, scanned_at);
CREATE INDEX scans_time ON scans USING brin (scanned_at);

-- The partition of scans holding the month of ``at``, created if missing (rows of that
-- month caught by the default partition move into it). Returns its name.
CREATE FUNCTION scan_partition_ensure(at timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    low  timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    high timestamptz := (date_trunc('month', at AT TIME ZONE 'UTC') + interval '1 month')
                        AT TIME ZONE 'UTC';
    name text := 'scans_' || to_char(at AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN name;
    END IF;
    -- Scans of this month arriving meanwhile wait (a moment) instead of landing in the default
    -- partition between the move below and the attach, which then failed on them.
    LOCK TABLE scans_default IN ACCESS EXCLUSIVE MODE;
    EXECUTE format('CREATE TABLE %I (LIKE scans INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
    -- The bound as a constraint first, so attaching needs no scan of the new table.
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (scanned_at >= %L AND scanned_at < %L)',
                   name, name || '_bound', low, high);
    EXECUTE format('WITH moved AS (DELETE FROM scans_default WHERE scanned_at >= %L AND scanned_at < %L'
                   ' RETURNING *) INSERT INTO %I SELECT * FROM moved', low, high, name);
    EXECUTE format('ALTER TABLE scans ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   name, low, high);
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', name, name || '_bound');
    RETURN name;
END $$;

-- Scans counted as they are recorded, per Vietnam day, cooperative, product and the
-- country of the scanning network ('ZZ' when unknown). Each recorder writes its own shard
-- so workers never wait on each other's rows; readers sum the shards.
CREATE TABLE scan_daily (
    day             date     NOT NULL,
    cooperative_id  bigint   NOT NULL,
    product_id      bigint   NOT NULL,
    country         text     NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    shard           smallint NOT NULL,
    scans           bigint   NOT NULL DEFAULT 0 CHECK (scans >= 0),
    first_scans     bigint   NOT NULL DEFAULT 0 CHECK (first_scans >= 0),
    suspicious      bigint   NOT NULL DEFAULT 0 CHECK (suspicious >= 0),
    views           bigint   NOT NULL DEFAULT 0 CHECK (views >= 0),
    PRIMARY KEY (day, cooperative_id, product_id, country, shard)
);
CREATE INDEX scan_daily_cooperative ON scan_daily (cooperative_id, day);

-- Locations consumers chose to share (rounded to 0.1°), per Vietnam day and product.
CREATE TABLE scan_daily_places (
    day             date         NOT NULL,
    cooperative_id  bigint       NOT NULL,
    product_id      bigint       NOT NULL,
    latitude        numeric(4,1) NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude       numeric(4,1) NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    shard           smallint     NOT NULL,
    scans           bigint       NOT NULL DEFAULT 0 CHECK (scans >= 0),
    PRIMARY KEY (day, cooperative_id, product_id, latitude, longitude, shard)
);
-- Covering: a period's edge days (everyone's, or a cooperative's) are read from the index
-- alone, in day order, however the rows lie in the table.
CREATE INDEX scan_daily_places_by_day ON scan_daily_places (day)
    INCLUDE (latitude, longitude, scans);
CREATE INDEX scan_daily_places_by_cooperative ON scan_daily_places (cooperative_id, day)
    INCLUDE (latitude, longitude, scans);

-- Coarser forms of the same counts, kept by the recorder in the same statement, so that a
-- long period reads few rows whatever the number of scans: totals per day and cooperative
-- (a year's chart is 365 × cooperatives rows), and per Vietnam month the counts per product
-- and country, and everyone's shared places (at most 12 × the 0.1° cells a year). The days
-- of a period outside its whole months are read from the daily tables.
CREATE TABLE scan_days (
    day             date     NOT NULL,
    cooperative_id  bigint   NOT NULL,
    shard           smallint NOT NULL,
    scans           bigint   NOT NULL DEFAULT 0 CHECK (scans >= 0),
    first_scans     bigint   NOT NULL DEFAULT 0 CHECK (first_scans >= 0),
    suspicious      bigint   NOT NULL DEFAULT 0 CHECK (suspicious >= 0),
    views           bigint   NOT NULL DEFAULT 0 CHECK (views >= 0),
    PRIMARY KEY (day, cooperative_id, shard)
);
CREATE INDEX scan_days_cooperative ON scan_days (cooperative_id, day);

CREATE TABLE scan_monthly (
    month           date     NOT NULL CHECK (month = date_trunc('month', month)::date),
    cooperative_id  bigint   NOT NULL,
    product_id      bigint   NOT NULL,
    country         text     NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    shard           smallint NOT NULL,
    scans           bigint   NOT NULL DEFAULT 0 CHECK (scans >= 0),
    first_scans     bigint   NOT NULL DEFAULT 0 CHECK (first_scans >= 0),
    suspicious      bigint   NOT NULL DEFAULT 0 CHECK (suspicious >= 0),
    views           bigint   NOT NULL DEFAULT 0 CHECK (views >= 0),
    PRIMARY KEY (month, cooperative_id, product_id, country, shard)
);
CREATE INDEX scan_monthly_cooperative ON scan_monthly (cooperative_id, month);

CREATE TABLE scan_monthly_places (
    month      date         NOT NULL CHECK (month = date_trunc('month', month)::date),
    latitude   numeric(4,1) NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude  numeric(4,1) NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    shard      smallint     NOT NULL,
    scans      bigint       NOT NULL DEFAULT 0 CHECK (scans >= 0),
    PRIMARY KEY (month, latitude, longitude, shard)
);

-- A cooperative's shared places per Vietnam month: its year is 12 × the cells its
-- consumers shared (not every day × product × cell), as scan_monthly_places is everyone's.
CREATE TABLE scan_monthly_cooperative_places (
    cooperative_id  bigint       NOT NULL,
    month           date         NOT NULL CHECK (month = date_trunc('month', month)::date),
    latitude        numeric(4,1) NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude       numeric(4,1) NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    shard           smallint     NOT NULL,
    scans           bigint       NOT NULL DEFAULT 0 CHECK (scans >= 0),
    PRIMARY KEY (cooperative_id, month, latitude, longitude, shard)
);

-- Scans and suspicious scans per cooperative, product and scanning country over a period
-- [since, until] (Vietnam days), of one cooperative or (NULL) everyone's: its whole months
-- [first_month, stop_month) from scan_monthly, its other days from scan_daily. The one home
-- of that split for every analytics grouping; a plain SQL function, so the planner inlines
-- it into each query and plans it as if written there.
CREATE FUNCTION scan_counts(cooperative bigint, since date, until date, first_month date,
                            stop_month date)
RETURNS TABLE (cooperative_id bigint, product_id bigint, country text, scans bigint,
               suspicious bigint)
LANGUAGE sql STABLE AS $$
    SELECT m.cooperative_id, m.product_id, m.country, m.scans, m.suspicious FROM scan_monthly m
    WHERE (cooperative IS NULL OR m.cooperative_id = cooperative)
      AND m.month >= first_month AND m.month < stop_month
    UNION ALL
    SELECT d.cooperative_id, d.product_id, d.country, d.scans, d.suspicious FROM scan_daily d
    WHERE (cooperative IS NULL OR d.cooperative_id = cooperative)
      AND d.day >= since AND d.day < first_month
    UNION ALL
    SELECT d.cooperative_id, d.product_id, d.country, d.scans, d.suspicious FROM scan_daily d
    WHERE (cooperative IS NULL OR d.cooperative_id = cooperative)
      AND d.day >= stop_month AND d.day <= until
$$;

CREATE TABLE listing_clicks (
    listing_id  bigint NOT NULL REFERENCES marketplace_listings (id) ON DELETE CASCADE,
    day         date   NOT NULL,
    clicks      bigint NOT NULL DEFAULT 0 CHECK (clicks >= 0),
    PRIMARY KEY (listing_id, day)
);

-- ---------------------------------------------------------------------------------------
-- Consumers: lot recalls and reports of fakes

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

-- A delivery a chain's store received: recorded by a clerk after checking its stamps. Private
-- to the chain, the authority and the cooperatives whose goods it holds (its supplier, and
-- the owners of its lots); never on a consumer page.
CREATE TABLE deliveries (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chain_id            bigint      NOT NULL REFERENCES chains (id),
    store_id            bigint      NOT NULL,
    -- The supplier, as the delivery note says (the stamps' cooperatives are in its lines).
    cooperative_id      bigint      NOT NULL REFERENCES cooperatives (id),
    purchase_order      short_text,
    received_at         timestamptz NOT NULL,
    notes               long_text,
    -- The stamps' outcomes when they were checked at the dock (they add up to the codes).
    activated           integer     NOT NULL CHECK (activated >= 0),
    not_activated       integer     NOT NULL CHECK (not_activated >= 0),
    revoked             integer     NOT NULL CHECK (revoked >= 0),
    suspicious          integer     NOT NULL CHECK (suspicious >= 0),
    invalid             integer     NOT NULL CHECK (invalid >= 0),
    recorded_by_user_id bigint REFERENCES users (id),
    recorded_by_key_id  bigint REFERENCES api_keys (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    -- The store is one of the chain's own.
    CONSTRAINT deliveries_store_of_chain FOREIGN KEY (store_id, chain_id)
        REFERENCES stores (id, chain_id),
    CONSTRAINT deliveries_received_not_future CHECK (received_at <= created_at + interval '5 minutes')
);
CREATE INDEX deliveries_chain ON deliveries (chain_id, id DESC);
CREATE INDEX deliveries_cooperative ON deliveries (cooperative_id, id DESC);

-- Each genuine stamp of a delivery (a code that is no stamp of this service has no serial),
-- its status at the dock and its lot: a lot's deliveries are found through it.
CREATE TABLE delivery_stamps (
    delivery_id bigint  NOT NULL REFERENCES deliveries (id),
    serial      bigint  NOT NULL CHECK (serial >= 0),
    status      text    NOT NULL
        CHECK (status IN ('activated', 'not_activated', 'revoked', 'suspicious')),
    lot_id      bigint REFERENCES lots (id),
    cooperative_id bigint NOT NULL REFERENCES cooperatives (id),
    PRIMARY KEY (delivery_id, serial)
);
CREATE INDEX delivery_stamps_lot ON delivery_stamps (lot_id, delivery_id) WHERE lot_id IS NOT NULL;
CREATE INDEX delivery_stamps_cooperative ON delivery_stamps (cooperative_id, delivery_id);
-- The clone rules look up the stores that received each scanned stamp (expected places).
CREATE INDEX delivery_stamps_serial ON delivery_stamps (serial);

-- ---------------------------------------------------------------------------------------
-- The authority: the 60 / 40 subsidy (yearly budgets, approvals, payments) and cases

-- What the province sets aside for a cooperative's stamps in a (Vietnam) calendar year.
-- An order whose subsidy would take the year past it waits for the authority's approval.
CREATE TABLE subsidy_budgets (
    cooperative_id  bigint        NOT NULL REFERENCES cooperatives (id),
    year            smallint      NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    budget_vnd      numeric(15,0) NOT NULL CHECK (budget_vnd >= 0),
    updated_at      timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (cooperative_id, year)
);

-- An order beyond its budget, and the authority's decision on it. An order without a row
-- here fitted its budget. Until approved its stamps can be neither printed nor activated;
-- a rejected order costs nothing (like a cancelled one).
CREATE TABLE stamp_order_approvals (
    batch_id            bigint        PRIMARY KEY REFERENCES stamp_batches (id),
    year                smallint      NOT NULL,
    -- The budget and what the year had already used when the order came (NULL: no budget).
    budget_vnd          numeric(15,0),
    used_vnd            numeric(15,0) NOT NULL,
    requested_at        timestamptz   NOT NULL DEFAULT now(),
    decision            text CHECK (decision IN ('approved', 'rejected')),
    decided_at          timestamptz,
    decided_by_user_id  bigint REFERENCES users (id),
    decided_by_key_id   bigint REFERENCES api_keys (id),
    reason              short_text,
    CONSTRAINT stamp_order_approvals_decided
        CHECK ((decision IS NULL) = (decided_at IS NULL)),
    CONSTRAINT stamp_order_approvals_rejection_has_reason
        CHECK (decision IS DISTINCT FROM 'rejected' OR reason IS NOT NULL)
);
CREATE INDEX stamp_order_approvals_waiting ON stamp_order_approvals (requested_at)
    WHERE decision IS NULL;

-- Stamps of an order that waits for approval or was rejected can never be activated.
CREATE FUNCTION stamp_activation_batch_approved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM stamp_order_approvals
    WHERE batch_id = NEW.batch_id AND decision IS DISTINCT FROM 'approved';
    IF FOUND THEN
        RAISE EXCEPTION 'stamp batch % is not approved', NEW.batch_id
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'stamp_activations_batch_approved';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER stamp_activations_batch_approved
    BEFORE INSERT ON stamp_activations
    FOR EACH ROW EXECUTE FUNCTION stamp_activation_batch_approved();

-- The cooperative's share of an order, paid: when, and the reference of the transfer.
CREATE TABLE stamp_order_payments (
    batch_id             bigint        PRIMARY KEY REFERENCES stamp_batches (id),
    paid_on              date          NOT NULL,
    reference            short_text    NOT NULL,
    amount_vnd           numeric(15,0) NOT NULL CHECK (amount_vnd >= 0),
    recorded_at          timestamptz   NOT NULL DEFAULT now(),
    recorded_by_user_id  bigint REFERENCES users (id),
    recorded_by_key_id   bigint REFERENCES api_keys (id)
);

-- A cooperative's request to cancel an order whose print files were downloaded: stamps may
-- be on paper, so the authority decides. Approval cancels the order and revokes its range.
CREATE TABLE stamp_order_cancellations (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id              bigint      NOT NULL REFERENCES stamp_batches (id),
    reason                short_text  NOT NULL,
    status                text        NOT NULL DEFAULT 'open'
        CONSTRAINT stamp_order_cancellations_status
            CHECK (status IN ('open', 'withdrawn', 'approved', 'rejected')),
    requested_at          timestamptz NOT NULL DEFAULT now(),
    requested_by_user_id  bigint REFERENCES users (id),
    requested_by_key_id   bigint REFERENCES api_keys (id),
    closed_at             timestamptz,
    closed_by_user_id     bigint REFERENCES users (id),
    closed_by_key_id      bigint REFERENCES api_keys (id),
    decision_reason       short_text,
    CONSTRAINT stamp_order_cancellations_closed
        CHECK ((status = 'open') = (closed_at IS NULL)),
    CONSTRAINT stamp_order_cancellations_rejection_has_reason
        CHECK (status <> 'rejected' OR decision_reason IS NOT NULL)
);
-- One open request per order (a double submit finds the first), and one approval at most.
CREATE UNIQUE INDEX stamp_order_cancellations_one_open
    ON stamp_order_cancellations (batch_id) WHERE status = 'open';
CREATE UNIQUE INDEX stamp_order_cancellations_one_approved
    ON stamp_order_cancellations (batch_id) WHERE status = 'approved';
CREATE INDEX stamp_order_cancellations_batch ON stamp_order_cancellations (batch_id, id);

-- Cancelled after its download only through an approved request.
CREATE FUNCTION stamp_batch_cancelled_before_download() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.cancelled_at IS NOT NULL AND NEW.downloaded_at IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM stamp_order_cancellations
        WHERE batch_id = NEW.id AND status = 'approved'
    ) THEN
        RAISE EXCEPTION 'stamp batch % was downloaded: only an approved request cancels it', NEW.id
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'stamp_batches_cancelled_before_download';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER stamp_batches_cancelled_before_download
    BEFORE INSERT OR UPDATE OF cancelled_at, downloaded_at ON stamp_batches
    FOR EACH ROW EXECUTE FUNCTION stamp_batch_cancelled_before_download();

-- A suspicious stamp's case history: notes, a dismissal (the mark cleared), a counterfeit
-- confirmed (its stamps revoked). The queue's open cases are marked stamps with no
-- confirmation since their mark.
CREATE TABLE stamp_case_events (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    serial           bigint      NOT NULL REFERENCES stamps (serial),
    at               timestamptz NOT NULL DEFAULT now(),
    kind             text        NOT NULL CHECK (kind IN ('note', 'dismissed', 'confirmed')),
    body             text        NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    revocation_id    bigint REFERENCES stamp_revocations (id),
    actor_user_id    bigint REFERENCES users (id),
    actor_key_id     bigint REFERENCES api_keys (id),
    CONSTRAINT stamp_case_events_confirmed_revokes
        CHECK ((kind = 'confirmed') = (revocation_id IS NOT NULL))
);
CREATE INDEX stamp_case_events_serial ON stamp_case_events (serial, id);

-- Change notifications. Every worker caches what a scan needs (a batch's activations and
-- revocations, a product's origin, a lot) and LISTENs on 'traceability_change'. These
-- triggers tell it about every committed write to those rows, whoever made it: NOTIFY is
-- delivered at commit, never for a transaction that rolls back. The payload is what
-- changed and its id ('batch:12', 'product:3'); a worker forgets just that. A table whose
-- rows the scan cache shows needs a trigger here (see traceability/changes.py).

CREATE FUNCTION notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- TG_ARGV[0]: what changed (batch, product, lot, cooperative, planting_area);
    -- TG_ARGV[1]: the column holding its id.
    old_id text := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) ->> TG_ARGV[1] END;
    new_id text := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) ->> TG_ARGV[1] END;
BEGIN
    IF new_id IS NOT NULL THEN
        PERFORM pg_notify('traceability_change', TG_ARGV[0] || ':' || new_id);
    END IF;
    IF old_id IS DISTINCT FROM new_id AND old_id IS NOT NULL THEN
        PERFORM pg_notify('traceability_change', TG_ARGV[0] || ':' || old_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER stamp_activations_notify AFTER INSERT OR UPDATE OR DELETE ON stamp_activations
    FOR EACH ROW EXECUTE FUNCTION notify_change('batch', 'batch_id');
CREATE TRIGGER stamp_revocations_notify AFTER INSERT OR UPDATE OR DELETE ON stamp_revocations
    FOR EACH ROW EXECUTE FUNCTION notify_change('batch', 'batch_id');
CREATE TRIGGER cooperatives_notify AFTER UPDATE OR DELETE ON cooperatives
    FOR EACH ROW EXECUTE FUNCTION notify_change('cooperative', 'id');
CREATE TRIGGER products_notify AFTER UPDATE OR DELETE ON products
    FOR EACH ROW EXECUTE FUNCTION notify_change('product', 'id');
CREATE TRIGGER product_certifications_notify
    AFTER INSERT OR UPDATE OR DELETE ON product_certifications
    FOR EACH ROW EXECUTE FUNCTION notify_change('product', 'product_id');
CREATE TRIGGER marketplace_listings_notify
    AFTER INSERT OR UPDATE OR DELETE ON marketplace_listings
    FOR EACH ROW EXECUTE FUNCTION notify_change('product', 'product_id');
CREATE TRIGGER planting_areas_notify AFTER UPDATE OR DELETE ON planting_areas
    FOR EACH ROW EXECUTE FUNCTION notify_change('planting_area', 'id');
CREATE TRIGGER lots_notify AFTER UPDATE OR DELETE ON lots
    FOR EACH ROW EXECUTE FUNCTION notify_change('lot', 'id');
CREATE TRIGGER lot_events_notify AFTER INSERT OR UPDATE OR DELETE ON lot_events
    FOR EACH ROW EXECUTE FUNCTION notify_change('lot', 'lot_id');
CREATE TRIGGER lot_recalls_notify AFTER INSERT OR UPDATE OR DELETE ON lot_recalls
    FOR EACH ROW EXECUTE FUNCTION notify_change('lot', 'lot_id');

-- Stamp-signing keys the authority revoked (admin keys revoke). Every instance also reads
-- its own keys folder, but a folder on another machine is a copy that may arrive late: this
-- table makes a revocation reach every instance at once. It is never undone: a worker keeps
-- a key revoked even if its row went away.
CREATE TABLE signing_key_revocations (
    kid         text        PRIMARY KEY
        CONSTRAINT signing_key_revocations_kid CHECK (kid ~ '^[0-9a-f]{8}$'),
    revoked_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION notify_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('traceability_change', 'keys');
    RETURN NULL;
END $$;

CREATE TRIGGER signing_key_revocations_notify
    AFTER INSERT OR UPDATE OR DELETE ON signing_key_revocations
    FOR EACH STATEMENT EXECUTE FUNCTION notify_keys();

INSERT INTO schema_version (version, description) VALUES (22, 'order cancellation requests');
