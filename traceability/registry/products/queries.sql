-- name: insert_product
INSERT INTO products (cooperative_id, name_vi, name_en, category, gtin, brand, ocop_stars,
                      ocop_score, ocop_certificate_no, ocop_issued_on, ocop_expires_on,
                      geographical_indication, applied_standards, description, image_url)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
RETURNING *;

-- name: get_product
SELECT * FROM products WHERE id = $1;

-- name: find_by_gtin
SELECT * FROM products WHERE gtin = $1;

-- name: update_product
UPDATE products
SET name_vi = $2, name_en = $3, category = $4, gtin = $5, brand = $6, ocop_stars = $7,
    ocop_score = $8, ocop_certificate_no = $9, ocop_issued_on = $10, ocop_expires_on = $11,
    geographical_indication = $12, applied_standards = $13, description = $14,
    image_url = $15, updated_at = now()
WHERE id = $1
RETURNING *;

-- name: delete_product
DELETE FROM products WHERE id = $1;

-- name: list_products
-- $1 cooperative, $2 category, $3 stars, $4 GTIN-14,
-- then the keyset: $5 sort, $6 key, $7 at, $8 id, $9 limit.
SELECT *
FROM products
WHERE ($1::bigint IS NULL OR cooperative_id = $1)
  AND ($2::text IS NULL OR category = $2)
  AND ($3::smallint IS NULL OR ocop_stars = $3)
  AND ($4::text IS NULL OR gtin = $4)
  AND ($8::bigint IS NULL
    OR ($5 = 'key' AND (name_vi, id) > ($6::text, $8))
    OR ($5 = '-key' AND (name_vi < $6::text OR (name_vi = $6::text AND id > $8)))
    OR ($5 = 'created_at' AND (created_at, id) > ($7::timestamptz, $8))
    OR ($5 = '-created_at' AND (created_at < $7 OR (created_at = $7 AND id > $8)))
    OR ($5 = 'id' AND id > $8)
    OR ($5 = '-id' AND id < $8))
ORDER BY
    CASE WHEN $5 = 'key' THEN name_vi END,
    CASE WHEN $5 = '-key' THEN name_vi END DESC,
    CASE WHEN $5 = 'created_at' THEN created_at END,
    CASE WHEN $5 = '-created_at' THEN created_at END DESC,
    CASE WHEN $5 = '-id' THEN id END DESC,
    id
LIMIT $9;

-- name: insert_certification
INSERT INTO product_certifications (product_id, scheme, number, issuer, issued_on, expires_on)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, product_id, scheme, number, issuer, issued_on, expires_on;

-- name: list_certifications
SELECT id, product_id, scheme, number, issuer, issued_on, expires_on
FROM product_certifications WHERE product_id = $1 ORDER BY id;

-- name: delete_certification
DELETE FROM product_certifications WHERE id = $1 AND product_id = $2
RETURNING id, product_id, scheme, number, issuer, issued_on, expires_on;
