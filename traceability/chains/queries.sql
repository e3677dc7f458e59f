-- name: insert_chain
INSERT INTO chains (name, tax_code, province, commune, address_line, gln, contact_name, phone,
                    email)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING *;

-- name: get_chain
SELECT * FROM chains WHERE id = $1;

-- name: update_chain
-- A full record completes a chain made from an old key (incomplete = false).
UPDATE chains
SET name = $2, tax_code = $3, province = $4, commune = $5, address_line = $6, gln = $7,
    contact_name = $8, phone = $9, email = $10, incomplete = false, updated_at = now()
WHERE id = $1
RETURNING *;

-- name: list_records
-- The authority's list, newest first: $1 text (name or tax code), $2 suspended (NULL:
-- both), $3 before id, $4 limit.
SELECT c.*,
       (SELECT count(*) FROM stores s WHERE s.chain_id = c.id AND s.closed_at IS NULL)
           AS store_count,
       (SELECT count(*) FROM users u WHERE u.chain_id = c.id AND u.disabled_at IS NULL)
           AS people,
       (SELECT count(*) FROM api_keys k WHERE k.chain_id = c.id AND k.revoked_at IS NULL)
           AS key_count
FROM chains c
WHERE ($1::text IS NULL OR c.name ILIKE '%' || $1 || '%' OR c.tax_code LIKE $1 || '%')
  AND ($2::boolean IS NULL OR (c.suspended_at IS NOT NULL) = $2)
  AND ($3::bigint IS NULL OR c.id < $3)
ORDER BY c.id DESC
LIMIT $4;

-- name: suspend_chain
UPDATE chains SET suspended_at = now(), suspension_reason = $2, updated_at = now()
WHERE id = $1 AND suspended_at IS NULL
RETURNING *;

-- name: lift_suspension
UPDATE chains SET suspended_at = NULL, suspension_reason = NULL, updated_at = now()
WHERE id = $1 AND suspended_at IS NOT NULL
RETURNING *;

-- name: end_sessions_of_chain
-- Its people sign in again once the suspension is lifted: no session outlives it.
UPDATE user_sessions SET revoked_at = now()
WHERE revoked_at IS NULL
  AND user_id IN (SELECT id FROM users WHERE chain_id = $1);

-- name: chain_choices
-- The chains a form may offer (name order, as a person looks for one).
SELECT id, name FROM chains ORDER BY name, id LIMIT 2000;

-- ---------------------------------------------------------------------------------------
-- Stores

-- name: insert_store
INSERT INTO stores (chain_id, name, province, commune, address_line, gln, latitude, longitude)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING *;

-- name: get_store
SELECT * FROM stores WHERE id = $1;

-- name: update_store
UPDATE stores
SET name = $2, province = $3, commune = $4, address_line = $5, gln = $6, latitude = $7,
    longitude = $8, updated_at = now()
WHERE id = $1
RETURNING *;

-- name: set_store_closed
UPDATE stores
SET closed_at = CASE WHEN $2 THEN coalesce(closed_at, now()) END, updated_at = now()
WHERE id = $1
RETURNING *;

-- name: list_stores
-- A chain's stores: open ones first, by name.
SELECT * FROM stores WHERE chain_id = $1
ORDER BY closed_at IS NOT NULL, name, id
LIMIT 1000;
