-- Portal users, their sessions, sign-in throttling, and the person in the audit log.

CREATE TABLE users (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- A Vietnamese mobile number (0 and 9–10 digits, stored without spaces) or an e-mail
    -- address, lower-cased: what the person types to sign in.
    login                 text        NOT NULL CHECK (
                              login = lower(btrim(login))
                              AND (login ~ '^0[0-9]{9,10}$'
                                   OR (login ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(login) <= 254))),
    display_name          short_text  NOT NULL,
    role                  text        NOT NULL CHECK (role IN ('authority', 'cooperative', 'retailer')),
    -- The organisation: a cooperative's staff belong to it. Retailer chains arrive later
    -- (a retailer user will then name its chain).
    cooperative_id        bigint REFERENCES cooperatives (id),
    language              text        NOT NULL DEFAULT 'vi' CHECK (language IN ('vi', 'en')),
    -- Argon2id in PHC string form.
    password_hash         text        NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    -- A password someone else chose (first or reset) must be changed at the next sign-in.
    password_is_temporary boolean     NOT NULL DEFAULT true,
    password_changed_at   timestamptz NOT NULL DEFAULT now(),
    -- RFC 6238 second factor (base32 secret); the last accepted time step stops replays.
    totp_secret           text CHECK (totp_secret ~ '^[A-Z2-7]{32}$'),
    totp_last_step        bigint,
    created_at            timestamptz NOT NULL DEFAULT now(),
    created_by_user_id    bigint REFERENCES users (id),
    disabled_at           timestamptz,
    CONSTRAINT users_login_key UNIQUE (login),
    CONSTRAINT users_cooperative_role CHECK ((role = 'cooperative') = (cooperative_id IS NOT NULL))
);
CREATE INDEX users_cooperative ON users (cooperative_id, id);

-- One-time recovery codes for a lost second factor; only their SHA-256 is kept.
CREATE TABLE user_recovery_codes (
    user_id    bigint      NOT NULL REFERENCES users (id),
    code_hash  bytea       NOT NULL CHECK (length(code_hash) = 32),
    used_at    timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Server-side sessions: the cookie holds a random token, the database its SHA-256.
-- A session passes through stages (a temporary password to change, a second factor to
-- enrol or give) before it is signed in; only then does it open the portal.
CREATE TABLE user_sessions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash    bytea       NOT NULL CHECK (length(token_hash) = 32),
    user_id       bigint      NOT NULL REFERENCES users (id),
    stage         text        NOT NULL
                  CHECK (stage IN ('change_password', 'enrol_totp', 'verify_totp', 'signed_in')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    user_agent    text CHECK (length(user_agent) <= 300),
    CONSTRAINT user_sessions_token_hash_key UNIQUE (token_hash),
    CONSTRAINT user_sessions_expiry_after_start CHECK (expires_at > created_at)
);
CREATE INDEX user_sessions_user ON user_sessions (user_id) WHERE revoked_at IS NULL;

-- Failed sign-ins, to slow down guessing per account and per network (a keyed hash of
-- the network prefix, never an address). Old rows are pruned as new ones come.
CREATE TABLE sign_in_failures (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    login     text        NOT NULL CHECK (length(login) <= 300),
    network   text
);
CREATE INDEX sign_in_failures_login ON sign_in_failures (login, at);
CREATE INDEX sign_in_failures_network ON sign_in_failures (network, at);

-- Portal actions are audited with the person, beside the API key of machine calls.
ALTER TABLE audit_log ADD COLUMN actor_user_id bigint REFERENCES users (id);
