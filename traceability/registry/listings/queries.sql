-- name: insert_listing
INSERT INTO marketplace_listings (product_id, platform, url, label)
VALUES ($1, $2, $3, $4)
RETURNING id, platform, url, label;

-- name: list_listings
SELECT id, platform, url, label FROM marketplace_listings WHERE product_id = $1 ORDER BY id;

-- name: delete_listing
DELETE FROM marketplace_listings WHERE id = $1 AND product_id = $2
RETURNING id, platform, url, label;
