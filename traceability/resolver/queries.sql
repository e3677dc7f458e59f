-- name: product_by_gtin
SELECT id FROM products WHERE gtin = $1;

-- name: lot_by_code
SELECT id FROM lots WHERE product_id = $1 AND code = $2;

-- name: lot_product
SELECT product_id FROM lots WHERE id = $1;

-- name: listing_url
SELECT url FROM marketplace_listings WHERE id = $1;
