-- name: lots_by_class
-- Lots named by (GTIN, lot code), e.g. from https://id.gs1.org/01/{gtin}/10/{lot}.
SELECT k.gtin, k.code, l.id, p.cooperative_id, l.harvested_on
FROM unnest($1::text[], $2::text[]) AS k (gtin, code)
JOIN products p ON p.gtin = k.gtin
JOIN lots l ON l.product_id = p.id AND l.code = k.code;

-- name: lots_by_id
SELECT l.id, p.cooperative_id, l.harvested_on
FROM lots l JOIN products p ON p.id = l.product_id
WHERE l.id = ANY($1::bigint[]);

-- name: lots_of_stamps
-- Stamps named as SGTINs (GTIN, serial): the lot the stamp was activated on, else its batch's.
SELECT k.gtin, k.serial, b.cooperative_id, l.id, l.harvested_on
FROM unnest($1::text[], $2::bigint[]) AS k (gtin, serial)
JOIN stamp_batches b ON b.serials @> k.serial
JOIN products p ON p.id = b.product_id AND p.gtin = k.gtin
LEFT JOIN LATERAL (
    SELECT a.lot_id FROM stamp_activations a
    WHERE a.batch_id = b.id AND a.serials @> k.serial AND a.lot_id IS NOT NULL
    ORDER BY a.id DESC LIMIT 1
) act ON true
LEFT JOIN lots l ON l.id = coalesce(act.lot_id, b.lot_id);

-- name: lots_of_cartons
SELECT c.sscc, c.cooperative_id, l.id, l.harvested_on
FROM cartons c
JOIN carton_contents cc ON cc.carton_id = c.id
JOIN lots l ON l.id = cc.lot_id
WHERE c.sscc = ANY($1::text[]);

-- name: places_by_gln
-- What a GLN names here: a cooperative or a planting area, for the timeline's place.
SELECT gln, name FROM (
    SELECT c.gln, c.name || ', ' || c.commune || ', ' || c.province AS name
    FROM cooperatives c WHERE c.gln = ANY($1::text[])
    UNION ALL
    SELECT a.gln, coalesce(a.name, a.code) || ' (' || a.code || ')'
    FROM planting_areas a WHERE a.gln = ANY($1::text[])
) known;

-- name: cooperative_place
SELECT name, commune || ', ' || province AS place FROM cooperatives WHERE id = $1;

-- name: insert_capture
INSERT INTO epcis_captures (cooperative_id, captured_by, event_count, new_count)
VALUES ($1, $2, $3, $4)
RETURNING id, created_at;

-- name: finish_capture
UPDATE epcis_captures SET new_count = $2 WHERE id = $1;

-- name: insert_event
-- Nothing when the event is already here (the same hash): capturing twice is harmless.
INSERT INTO epcis_events (event_hash, event_type, event_time, document, capture_id,
                          cooperative_id)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (event_hash) DO NOTHING
RETURNING id;

-- name: insert_timeline_entry
INSERT INTO lot_events (lot_id, kind, occurred_at, time_zone, place, actor, recorded_by,
                        place_gln, epcis_event_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: get_capture
SELECT id, cooperative_id, created_at, event_count, new_count FROM epcis_captures WHERE id = $1;

-- name: lot_captured_events
-- Captured events on a lot's timeline, by timeline entry: the export gives them back as sent.
SELECT le.id AS lot_event_id, e.document
FROM lot_events le JOIN epcis_events e ON e.id = le.epcis_event_id
WHERE le.lot_id = $1;
