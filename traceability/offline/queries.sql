-- name: revoked_ranges
-- Every revoked serial range, with what it covers: one stamp, a range, or a whole batch.
SELECT r.batch_id, lower(r.serials) AS first_serial, upper(r.serials) - 1 AS last_serial,
       r.reason, r.category, r.revoked_at,
       CASE WHEN r.serials = b.serials THEN 'batch'
            WHEN upper(r.serials) - lower(r.serials) = 1 THEN 'stamp'
            ELSE 'range' END AS scope,
       b.cooperative_id, p.gtin, l.code AS lot
FROM stamp_revocations r
JOIN stamp_batches b ON b.id = r.batch_id
JOIN products p ON p.id = b.product_id
LEFT JOIN lots l ON l.id = b.lot_id
ORDER BY lower(r.serials), r.id;

-- name: recall_batches
-- Each batch holding stamps of a recalled lot (ordered for it, or activated on it), with the
-- recall; which of its stamps are the lot's follows from recall_activations.
SELECT b.id AS batch_id, lower(b.serials) AS first_serial, upper(b.serials) - 1 AS last_serial,
       b.lot_id AS batch_lot_id, b.cooperative_id
FROM stamp_batches b
WHERE b.lot_id IN (SELECT lot_id FROM lot_recalls)
   OR b.id IN (SELECT a.batch_id FROM stamp_activations a JOIN lot_recalls r USING (lot_id))
ORDER BY lower(b.serials);

-- name: recall_activations
-- The activations of batches $1 that name a lot, oldest first (the latest naming wins).
SELECT batch_id, lower(serials) AS first_serial, upper(serials) - 1 AS last_serial, lot_id
FROM stamp_activations WHERE batch_id = ANY($1::bigint[]) AND lot_id IS NOT NULL
ORDER BY id;

-- name: recalls
SELECT r.lot_id, l.code AS lot, p.gtin, r.reason, r.recalled_at
FROM lot_recalls r JOIN lots l ON l.id = r.lot_id JOIN products p ON p.id = l.product_id;

-- name: manifest_batches
-- Each batch (or only one cooperative's) with its product, cooperative and ordered lot;
-- a cancelled order's stamps were never printed.
SELECT b.id AS batch_id, lower(b.serials) AS first_serial, upper(b.serials) - 1 AS last_serial,
       b.cooperative_id, c.name AS cooperative, p.name_vi AS product, p.gtin,
       l.code AS lot, l.expires_on
FROM stamp_batches b
JOIN products p ON p.id = b.product_id
JOIN cooperatives c ON c.id = b.cooperative_id
LEFT JOIN lots l ON l.id = b.lot_id
WHERE ($1::bigint IS NULL OR b.cooperative_id = $1) AND b.cancelled_at IS NULL
ORDER BY lower(b.serials);

-- name: manifest_activations
-- Activated ranges, with the lot named at activation (or the batch's own lot).
SELECT a.batch_id, lower(a.serials) AS first_serial, upper(a.serials) - 1 AS last_serial,
       l.code AS lot, l.expires_on, a.activated_at
FROM stamp_activations a
JOIN stamp_batches b ON b.id = a.batch_id
LEFT JOIN lots l ON l.id = coalesce(a.lot_id, b.lot_id)
WHERE $1::bigint IS NULL OR b.cooperative_id = $1
ORDER BY lower(a.serials), a.id;
