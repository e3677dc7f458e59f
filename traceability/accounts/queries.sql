-- name: find_key_by_hash
SELECT id, name, role, cooperative_id, revoked_at, last_used_at
FROM api_keys
WHERE secret_hash = $1;

-- name: touch_key
-- Written at most once a minute per key, so reads stay cheap.
UPDATE api_keys SET last_used_at = now()
WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');

-- name: insert_key
INSERT INTO api_keys (name, role, cooperative_id, prefix, secret_hash, created_by)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, name, role, cooperative_id, prefix, created_at, last_used_at, revoked_at;

-- name: list_keys
SELECT id, name, role, cooperative_id, prefix, created_at, last_used_at, revoked_at
FROM api_keys
WHERE ($1::bigint IS NULL OR cooperative_id = $1)
  AND id > $2
ORDER BY id
LIMIT $3;

-- name: get_key
SELECT id, name, role, cooperative_id, prefix, created_at, last_used_at, revoked_at
FROM api_keys WHERE id = $1;

-- name: revoke_key
UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
WHERE id = $1
RETURNING id, name, role, cooperative_id, prefix, created_at, last_used_at, revoked_at;

-- name: cooperative_exists
SELECT EXISTS (SELECT 1 FROM cooperatives WHERE id = $1);
