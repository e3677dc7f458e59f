-- name: insert_listing
-- $5: approved at once (a marketplace's own hosts) or waiting for the authority.
INSERT INTO marketplace_listings (product_id, platform, url, label, approved_at)
VALUES ($1, $2, $3, $4, CASE WHEN $5::boolean THEN now() END)
RETURNING id, platform, url, label, approved_at;

-- name: list_listings
-- $2: only approved listings (what consumers see).
SELECT id, platform, url, label, approved_at FROM marketplace_listings
WHERE product_id = $1 AND (NOT $2::boolean OR approved_at IS NOT NULL)
ORDER BY id;

-- name: get_listing
SELECT id, platform, url, label, approved_at FROM marketplace_listings
WHERE id = $1 AND product_id = $2;

-- name: approve_listing
UPDATE marketplace_listings
SET approved_at = coalesce(approved_at, now()), approved_by = coalesce(approved_by, $3)
WHERE id = $1 AND product_id = $2
RETURNING id, platform, url, label, approved_at;

-- name: delete_listing
DELETE FROM marketplace_listings WHERE id = $1 AND product_id = $2
RETURNING id, platform, url, label, approved_at;
