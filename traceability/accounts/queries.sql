-- name: find_key_by_hash
-- A key is revoked when it, or any key up the chain of keys that made it, is revoked; a key
-- of a suspended supermarket chain is refused too.
WITH RECURSIVE chain AS (
    SELECT id, created_by, revoked_at, 1 AS depth FROM api_keys WHERE secret_hash = $1
    UNION ALL
    SELECT k.id, k.created_by, k.revoked_at, c.depth + 1
    FROM api_keys k JOIN chain c ON k.id = c.created_by
    WHERE c.depth < 100
)
SELECT k.id, k.name, k.role, k.cooperative_id, k.last_used_at,
       (SELECT min(revoked_at) FROM chain) AS revoked_at, k.chain_id,
       ch.suspended_at AS chain_suspended_at, c.suspended_at
FROM api_keys k LEFT JOIN chains ch ON ch.id = k.chain_id
LEFT JOIN cooperatives c ON c.id = k.cooperative_id
WHERE k.secret_hash = $1;

-- name: touch_keys
-- When keys were last used, written by KeyUsage in the background: never by a request.
UPDATE api_keys AS k SET last_used_at = u.used_at
FROM unnest($1::bigint[], $2::timestamptz[]) AS u (id, used_at)
WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.used_at);

-- name: insert_key
INSERT INTO api_keys (name, role, cooperative_id, prefix, secret_hash, created_by, chain_id)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id, name, role, cooperative_id, prefix, created_at, last_used_at, revoked_at, chain_id;

-- name: list_keys
SELECT id, name, role, cooperative_id, prefix, created_at, last_used_at, revoked_at, chain_id
FROM api_keys
WHERE ($1::bigint IS NULL OR cooperative_id = $1)
  AND ($4::bigint IS NULL OR chain_id = $4)
  AND id > $2
ORDER BY id
LIMIT $3;

-- name: get_key
SELECT id, name, role, cooperative_id, prefix, created_at, last_used_at, revoked_at, chain_id
FROM api_keys WHERE id = $1;

-- name: revoke_key
-- Revokes the key and every key made by it, or by those, down the chain: a key made by a
-- revoked key must not outlive it. The named key comes first.
WITH RECURSIVE made AS (
    SELECT id, 1 AS depth FROM api_keys WHERE id = $1
    UNION
    SELECT k.id, m.depth + 1 FROM api_keys k JOIN made m ON k.created_by = m.id
    WHERE m.depth < 100
)
UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
WHERE id IN (SELECT id FROM made)
RETURNING id, name, role, cooperative_id, prefix, created_at, last_used_at, revoked_at, chain_id;

-- name: cooperative_exists
SELECT EXISTS (SELECT 1 FROM cooperatives WHERE id = $1);

-- name: chain_exists
SELECT EXISTS (SELECT 1 FROM chains WHERE id = $1);

-- ---------------------------------------------------------------------------------------
-- People (users.py)

-- name: insert_user
INSERT INTO users (login, display_name, role, cooperative_id, language, password_hash,
                   created_by_user_id, chain_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id, login, display_name, role, cooperative_id, language, password_is_temporary,
          totp_secret IS NOT NULL AS has_second_factor, created_at, disabled_at, chain_id;

-- name: user_by_id
SELECT id, login, display_name, role, cooperative_id, language, password_is_temporary,
       totp_secret IS NOT NULL AS has_second_factor, created_at, disabled_at, chain_id
FROM users WHERE id = $1;

-- name: credentials_by_login
-- A person of a suspended cooperative or chain is out like a disabled one.
SELECT u.id, u.password_hash, u.totp_secret, u.totp_last_step,
       coalesce(u.disabled_at, c.suspended_at, ch.suspended_at) AS disabled_at
FROM users u LEFT JOIN cooperatives c ON c.id = u.cooperative_id
LEFT JOIN chains ch ON ch.id = u.chain_id
WHERE u.login = $1;

-- name: credentials_by_id
SELECT u.id, u.password_hash, u.totp_secret, u.totp_last_step,
       coalesce(u.disabled_at, c.suspended_at, ch.suspended_at) AS disabled_at
FROM users u LEFT JOIN cooperatives c ON c.id = u.cooperative_id
LEFT JOIN chains ch ON ch.id = u.chain_id
WHERE u.id = $1;

-- name: list_users
-- Newest first within an organisation: a cooperative ($1), a chain ($4), or (both NULL)
-- every organisation.
SELECT id, login, display_name, role, cooperative_id, language, password_is_temporary,
       totp_secret IS NOT NULL AS has_second_factor, created_at, disabled_at, chain_id
FROM users
WHERE ($1::bigint IS NULL OR cooperative_id = $1)
  AND ($4::bigint IS NULL OR chain_id = $4)
  AND ($2::bigint IS NULL OR id < $2)
ORDER BY id DESC
LIMIT $3;

-- name: set_password
UPDATE users
SET password_hash = $2, password_is_temporary = $3, password_changed_at = now()
WHERE id = $1
RETURNING id, login, display_name, role, cooperative_id, language, password_is_temporary,
          totp_secret IS NOT NULL AS has_second_factor, created_at, disabled_at, chain_id;

-- name: set_totp
UPDATE users SET totp_secret = $2, totp_last_step = $3 WHERE id = $1;

-- name: use_totp_step
-- Only a step later than the last one used: a code is good once, even under a race.
UPDATE users SET totp_last_step = $2
WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)
RETURNING id;

-- name: set_profile
UPDATE users SET display_name = $2, language = $3 WHERE id = $1
RETURNING id, login, display_name, role, cooperative_id, language, password_is_temporary,
          totp_secret IS NOT NULL AS has_second_factor, created_at, disabled_at, chain_id;

-- name: set_disabled
UPDATE users
SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) ELSE NULL END
WHERE id = $1
RETURNING id, login, display_name, role, cooperative_id, language, password_is_temporary,
          totp_secret IS NOT NULL AS has_second_factor, created_at, disabled_at, chain_id;

-- name: delete_recovery_codes
DELETE FROM user_recovery_codes WHERE user_id = $1;

-- name: insert_recovery_codes
INSERT INTO user_recovery_codes (user_id, code_hash)
SELECT $1, unnest($2::bytea[]);

-- name: use_recovery_code
UPDATE user_recovery_codes SET used_at = now()
WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL
RETURNING user_id;

-- name: recovery_codes_left
SELECT count(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL;

-- ---------------------------------------------------------------------------------------
-- Sessions (sessions.py)

-- name: insert_session
INSERT INTO user_sessions (token_hash, user_id, stage, expires_at, user_agent)
VALUES ($1, $2, $3, now() + $4::interval, $5)
RETURNING id;

-- name: find_session
-- A session opens the portal while it is not revoked, not past its absolute expiry, not
-- idle for longer than $2, and its person is not disabled.
SELECT s.id AS session_id, s.stage, s.created_at AS session_created_at, s.last_seen_at,
       s.expires_at,
       u.id, u.login, u.display_name, u.role, u.cooperative_id, u.language,
       u.password_is_temporary, u.totp_secret IS NOT NULL AS has_second_factor,
       u.created_at, u.disabled_at, u.chain_id
FROM user_sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = $1
  AND s.revoked_at IS NULL
  AND s.expires_at > now()
  AND s.last_seen_at > now() - $2::interval
  AND u.disabled_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM cooperatives c
                  WHERE c.id = u.cooperative_id AND c.suspended_at IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM chains ch
                  WHERE ch.id = u.chain_id AND ch.suspended_at IS NOT NULL);

-- name: touch_session
-- At most once a minute per session: reading pages stays (nearly) write-free.
UPDATE user_sessions SET last_seen_at = now()
WHERE id = $1 AND last_seen_at < now() - interval '1 minute';

-- name: advance_session
-- A new token at every step up (password changed, second factor given): whatever token
-- someone saw before is worthless after it.
UPDATE user_sessions SET token_hash = $2, stage = $3, last_seen_at = now()
WHERE id = $1 AND revoked_at IS NULL
RETURNING id;

-- name: revoke_session
UPDATE user_sessions SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1;

-- name: revoke_user_sessions
-- Every session of a person, but the one given (NULL: all of them).
UPDATE user_sessions SET revoked_at = now()
WHERE user_id = $1 AND revoked_at IS NULL AND ($2::bigint IS NULL OR id <> $2);

-- name: list_user_sessions
SELECT id, stage, created_at, last_seen_at, expires_at, user_agent
FROM user_sessions
WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
  AND last_seen_at > now() - $2::interval
ORDER BY last_seen_at DESC
LIMIT 50;

-- ---------------------------------------------------------------------------------------
-- Sign-in throttling (throttle.py)

-- name: insert_sign_in_failure
INSERT INTO sign_in_failures (login, network) VALUES ($1, $2);

-- name: sign_in_failures
-- Failures within the window, per account and per network, and when the oldest of each
-- leaves the window.
SELECT
    count(*) FILTER (WHERE login = $1) AS login_failures,
    min(at) FILTER (WHERE login = $1) AS login_oldest,
    count(*) FILTER (WHERE $2::text IS NOT NULL AND network = $2) AS network_failures,
    min(at) FILTER (WHERE $2::text IS NOT NULL AND network = $2) AS network_oldest
FROM sign_in_failures
WHERE at > now() - $3::interval
  AND (login = $1 OR ($2::text IS NOT NULL AND network = $2));

-- name: clear_sign_in_failures
DELETE FROM sign_in_failures WHERE login = $1;

-- name: prune_sign_in_failures
DELETE FROM sign_in_failures WHERE at < now() - $1::interval;

-- name: cooperative_choices
-- The cooperatives a form may offer (name order, as a person looks for one).
SELECT id, name FROM cooperatives ORDER BY name, id LIMIT 2000;

-- name: organisation_counts
-- A home page's figures for one cooperative (NULL: the whole province).
SELECT
    (SELECT count(*) FROM cooperatives WHERE $1::bigint IS NULL OR id = $1) AS cooperatives,
    (SELECT count(*) FROM products WHERE $1::bigint IS NULL OR cooperative_id = $1) AS products,
    (SELECT count(*) FROM lots l JOIN products p ON p.id = l.product_id
      WHERE $1::bigint IS NULL OR p.cooperative_id = $1) AS lots,
    (SELECT coalesce(sum(quantity), 0) FROM stamp_batches b
      WHERE $1::bigint IS NULL OR b.cooperative_id = $1) AS stamps_ordered,
    (SELECT count(*) FROM users WHERE ($1::bigint IS NULL OR cooperative_id = $1)
      AND disabled_at IS NULL) AS people;

-- name: cooperative_name
SELECT name FROM cooperatives WHERE id = $1;
