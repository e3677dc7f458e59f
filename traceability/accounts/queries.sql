-- name: find_key_by_hash
SELECT id, name, role, cooperative_id, revoked_at, last_used_at
FROM api_keys
WHERE secret_hash = $1;

-- name: touch_keys
-- When keys were last used, written by KeyUsage in the background: never by a request.
UPDATE api_keys AS k SET last_used_at = u.used_at
FROM unnest($1::bigint[], $2::timestamptz[]) AS u (id, used_at)
WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.used_at);

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
