-- EPCIS capture (events kept once under GS1's event hash), cartons of stamped items (SSCC),
-- GLNs for planting areas and lot events, and three more timeline kinds for captured steps.
ALTER TABLE planting_areas ADD COLUMN gln gln13;
ALTER TABLE planting_areas ADD CONSTRAINT planting_areas_gln_key UNIQUE (gln);

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

ALTER TABLE lot_events DROP CONSTRAINT lot_events_kind_check;
ALTER TABLE lot_events ADD CONSTRAINT lot_events_kind_check CHECK (kind IN (
    'harvest', 'processing', 'packing', 'shipping', 'receiving', 'storing', 'inspecting', 'other'));
ALTER TABLE lot_events ADD COLUMN place_gln gln13;
ALTER TABLE lot_events ADD COLUMN epcis_event_id bigint REFERENCES epcis_events (id);
ALTER TABLE lot_events ADD CONSTRAINT lot_events_epcis_once_per_lot
    UNIQUE (epcis_event_id, lot_id);

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
