-- name: origin_product
SELECT p.id AS product_id, p.gtin, p.name_vi, p.name_en, p.category, p.image_url, p.brand,
       p.description, p.ocop_stars, p.ocop_score, p.ocop_certificate_no, p.ocop_issued_on,
       p.ocop_expires_on, p.geographical_indication, p.applied_standards,
       c.id AS cooperative_id, c.name AS cooperative_name, c.province, c.district, c.commune,
       c.address_line, c.phone, c.website, c.gln AS cooperative_gln
FROM products p JOIN cooperatives c ON c.id = p.cooperative_id
WHERE p.id = $1;

-- name: origin_lot
-- Only a lot of this product: a stamp must never show another product's harvest.
SELECT l.id, l.code, l.harvested_on, l.expires_on, l.quantity::float8 AS quantity, l.unit,
       a.id AS area_id, a.code AS area_code, a.crop AS area_crop, a.name AS area_name,
       a.gln AS area_gln, r.reason AS recall_reason, r.recalled_at
FROM lots l
LEFT JOIN planting_areas a ON a.id = l.planting_area_id
LEFT JOIN lot_recalls r ON r.lot_id = l.id
WHERE l.id = $1 AND l.product_id = $2;
