-- name: range_batch
-- The batch holding every serial of first..last ($1..$2), if one does.
SELECT b.id, b.cooperative_id, b.lot_id
FROM stamp_batches b WHERE b.serials @> int8range($1, $2 + 1);

-- name: range_lots
-- The lots stamps first..last of batch $1 were activated on, and how many of them each.
SELECT a.lot_id,
       sum(upper(a.serials * int8range($2, $3 + 1)) - lower(a.serials * int8range($2, $3 + 1)))
           ::bigint AS covered
FROM stamp_activations a
WHERE a.batch_id = $1 AND a.lot_id IS NOT NULL AND a.serials && int8range($2, $3 + 1)
GROUP BY a.lot_id;

-- name: lot_harvest
SELECT harvested_on FROM lots WHERE id = $1;

-- name: insert_carton
INSERT INTO cartons (cooperative_id, sscc, packed_at, place_gln, packed_by)
VALUES ($1, $2, $3, $4, $5)
RETURNING id;

-- name: insert_content
INSERT INTO carton_contents (carton_id, batch_id, lot_id, serials)
VALUES ($1, $2, $3, int8range($4, $5 + 1));

-- name: get_carton
SELECT id, sscc, cooperative_id, packed_at, place_gln, unpacked_at FROM cartons WHERE id = $1;

-- name: carton_by_sscc
SELECT id FROM cartons WHERE sscc = $1;

-- name: contents
SELECT batch_id, lot_id, lower(serials) AS first_serial, upper(serials) - 1 AS last_serial,
       upper(serials) - lower(serials) AS count
FROM carton_contents WHERE carton_id = $1 ORDER BY lower(serials);

-- name: unpack
UPDATE cartons SET unpacked_at = $2 WHERE id = $1 AND unpacked_at IS NULL RETURNING id;

-- name: unpack_contents
UPDATE carton_contents SET packed = false WHERE carton_id = $1;

-- name: lot_cartons
-- Every carton holding stamps of lot $1, with all its contents (a carton may mix lots).
SELECT c.id, c.sscc, c.packed_at, c.unpacked_at, coalesce(c.place_gln, co.gln) AS gln,
       lower(cc.serials) AS first_serial, upper(cc.serials) - 1 AS last_serial,
       cc.lot_id, l.code AS lot_code, p.gtin
FROM cartons c
JOIN cooperatives co ON co.id = c.cooperative_id
JOIN carton_contents cc ON cc.carton_id = c.id
JOIN lots l ON l.id = cc.lot_id
JOIN products p ON p.id = l.product_id
WHERE c.id IN (SELECT carton_id FROM carton_contents WHERE lot_id = $1)
ORDER BY c.id, lower(cc.serials);
