-- name: insert_cooperative
INSERT INTO cooperatives (name, tax_code, province, district, commune, address_line,
                          latitude, longitude, contact_name, phone, email, website, gln)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
RETURNING *;

-- name: get_cooperative
SELECT * FROM cooperatives WHERE id = $1;

-- name: find_by_tax_code
SELECT * FROM cooperatives WHERE tax_code = $1;

-- name: update_cooperative
UPDATE cooperatives
SET name = $2, tax_code = $3, province = $4, district = $5, commune = $6, address_line = $7,
    latitude = $8, longitude = $9, contact_name = $10, phone = $11, email = $12,
    website = $13, gln = $14, updated_at = now()
WHERE id = $1
RETURNING *;

-- name: list_profiles
-- $1 district, $2 commune, then the keyset: $3 sort, $4 key, $5 at, $6 id, $7 limit.
SELECT id, name, province, district, commune, created_at
FROM cooperatives
WHERE ($1::text IS NULL OR district = $1)
  AND ($2::text IS NULL OR commune = $2)
  AND ($6::bigint IS NULL
    OR ($3 = 'key' AND (name, id) > ($4::text, $6))
    OR ($3 = '-key' AND (name < $4::text OR (name = $4::text AND id > $6)))
    OR ($3 = 'created_at' AND (created_at, id) > ($5::timestamptz, $6))
    OR ($3 = '-created_at' AND (created_at < $5 OR (created_at = $5 AND id > $6)))
    OR ($3 = 'id' AND id > $6)
    OR ($3 = '-id' AND id < $6))
ORDER BY
    CASE WHEN $3 = 'key' THEN name END,
    CASE WHEN $3 = '-key' THEN name END DESC,
    CASE WHEN $3 = 'created_at' THEN created_at END,
    CASE WHEN $3 = '-created_at' THEN created_at END DESC,
    CASE WHEN $3 = '-id' THEN id END DESC,
    id
LIMIT $7;

-- name: suspend_cooperative
UPDATE cooperatives SET suspended_at = now(), suspension_reason = $2, updated_at = now()
WHERE id = $1 AND suspended_at IS NULL
RETURNING *;

-- name: lift_suspension
UPDATE cooperatives SET suspended_at = NULL, suspension_reason = NULL, updated_at = now()
WHERE id = $1 AND suspended_at IS NOT NULL
RETURNING *;

-- name: end_sessions_of_cooperative
-- Its people sign in again once the suspension is lifted: no session outlives it.
UPDATE user_sessions SET revoked_at = now()
WHERE revoked_at IS NULL
  AND user_id IN (SELECT id FROM users WHERE cooperative_id = $1);

-- name: list_records
-- The authority's list: full records, newest first, optionally by name or tax code and by
-- whether suspended. $1 text search, $2 suspended (NULL: both), $3 before id, $4 limit.
SELECT c.*,
       (SELECT count(*) FROM users u WHERE u.cooperative_id = c.id AND u.disabled_at IS NULL)
           AS people,
       (SELECT count(*) FROM api_keys k WHERE k.cooperative_id = c.id AND k.revoked_at IS NULL)
           AS keys
FROM cooperatives c
WHERE ($1::text IS NULL OR c.name ILIKE '%' || $1 || '%' OR c.tax_code LIKE $1 || '%')
  AND ($2::boolean IS NULL OR (c.suspended_at IS NOT NULL) = $2)
  AND ($3::bigint IS NULL OR c.id < $3)
ORDER BY c.id DESC
LIMIT $4;
