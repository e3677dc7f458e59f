-- name: product_by_gtin
SELECT id FROM products WHERE gtin = $1;

-- name: lot_by_code
SELECT id FROM lots WHERE product_id = $1 AND code = $2;

-- name: lot_product
SELECT product_id FROM lots WHERE id = $1;

-- name: listing_url
SELECT url FROM marketplace_listings WHERE id = $1 AND approved_at IS NOT NULL;


-- name: lot_stamp_activations
-- Stamps put on the lot's boxes: each activation naming the lot (or of a batch ordered for it).
SELECT a.id, lower(a.serials) AS first_serial, upper(a.serials) - 1 AS last_serial,
       a.activated_at, b.id AS batch_id
FROM stamp_activations a
JOIN stamp_batches b ON b.id = a.batch_id
WHERE coalesce(a.lot_id, b.lot_id) = $1
ORDER BY a.activated_at, a.id;
