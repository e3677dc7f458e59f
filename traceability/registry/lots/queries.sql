-- name: insert_lot
WITH inserted AS (
    INSERT INTO lots (product_id, code, harvested_on, quantity, unit, planting_area_id,
                      expires_on)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    RETURNING *
)
SELECT i.id, i.product_id, p.cooperative_id, i.planting_area_id, i.code, i.harvested_on,
       i.quantity::float8 AS quantity, i.unit, i.expires_on, i.created_at, i.updated_at
FROM inserted i JOIN products p ON p.id = i.product_id;

-- name: get_lot
SELECT l.id, l.product_id, p.cooperative_id, l.planting_area_id, l.code, l.harvested_on,
       l.quantity::float8 AS quantity, l.unit, l.expires_on, l.created_at, l.updated_at
FROM lots l JOIN products p ON p.id = l.product_id
WHERE l.id = $1;

-- name: find_by_code
SELECT l.id, l.product_id, p.cooperative_id, l.planting_area_id, l.code, l.harvested_on,
       l.quantity::float8 AS quantity, l.unit, l.expires_on, l.created_at, l.updated_at
FROM lots l JOIN products p ON p.id = l.product_id
WHERE l.product_id = $1 AND l.code = $2;

-- name: update_lot
WITH updated AS (
    UPDATE lots
    SET harvested_on = $2, quantity = $3, unit = $4, planting_area_id = $5, expires_on = $6,
        updated_at = now()
    WHERE id = $1
    RETURNING *
)
SELECT u.id, u.product_id, p.cooperative_id, u.planting_area_id, u.code, u.harvested_on,
       u.quantity::float8 AS quantity, u.unit, u.expires_on, u.created_at, u.updated_at
FROM updated u JOIN products p ON p.id = u.product_id;

-- name: delete_lot
DELETE FROM lots WHERE id = $1;

-- name: list_lots
-- $1 product, $2 cooperative, $3 planting area,
-- then the keyset: $4 sort, $5 key, $6 at, $7 id, $8 limit.
SELECT l.id, l.product_id, p.cooperative_id, l.planting_area_id, l.code, l.harvested_on,
       l.quantity::float8 AS quantity, l.unit, l.expires_on, l.created_at, l.updated_at
FROM lots l JOIN products p ON p.id = l.product_id
WHERE ($1::bigint IS NULL OR l.product_id = $1)
  AND ($2::bigint IS NULL OR p.cooperative_id = $2)
  AND ($3::bigint IS NULL OR l.planting_area_id = $3)
  AND ($7::bigint IS NULL
    OR ($4 = 'key' AND (l.code, l.id) > ($5::text, $7))
    OR ($4 = '-key' AND (l.code < $5::text OR (l.code = $5::text AND l.id > $7)))
    OR ($4 = 'created_at' AND (l.created_at, l.id) > ($6::timestamptz, $7))
    OR ($4 = '-created_at' AND (l.created_at < $6 OR (l.created_at = $6 AND l.id > $7)))
    OR ($4 = 'id' AND l.id > $7)
    OR ($4 = '-id' AND l.id < $7))
ORDER BY
    CASE WHEN $4 = 'key' THEN l.code END,
    CASE WHEN $4 = '-key' THEN l.code END DESC,
    CASE WHEN $4 = 'created_at' THEN l.created_at END,
    CASE WHEN $4 = '-created_at' THEN l.created_at END DESC,
    CASE WHEN $4 = '-id' THEN l.id END DESC,
    l.id
LIMIT $8;

-- name: insert_event
INSERT INTO lot_events (lot_id, kind, occurred_at, time_zone, place, actor, notes, recorded_by,
                        place_gln, public)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id, lot_id, kind, occurred_at, time_zone, place, actor, notes, place_gln, public;

-- name: timeline
-- $2: every event (the lot's cooperative, the authority); else the public ones and those
-- recorded by key $3.
SELECT id, lot_id, kind, occurred_at, time_zone, place, actor, notes, place_gln, public
FROM lot_events
WHERE lot_id = $1 AND (public OR $2::boolean OR recorded_by = $3::bigint)
ORDER BY occurred_at, id;

-- name: search_lots
-- A cooperative's lots whose code or product name holds $2 (any case; all when $2 is
-- empty), newest harvest first, with the product's name; $3 is the most to return.
SELECT l.id, l.product_id, p.cooperative_id, l.planting_area_id, l.code, l.harvested_on,
       l.quantity::float8 AS quantity, l.unit, l.expires_on, l.created_at, l.updated_at,
       p.name_vi AS product_name,
       (SELECT count(*) FROM lot_events e WHERE e.lot_id = l.id) AS events
FROM lots l JOIN products p ON p.id = l.product_id
WHERE p.cooperative_id = $1
  AND ($2 = '' OR strpos(lower(l.code), lower($2)) > 0
       OR strpos(lower(p.name_vi), lower($2)) > 0)
ORDER BY l.harvested_on DESC, l.id DESC
LIMIT $3;
