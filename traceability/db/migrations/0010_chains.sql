-- Supermarket chains and their stores; a retailer's people and API keys belong to a chain.

CREATE TABLE chains (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              short_text  NOT NULL,
    tax_code          text CHECK (tax_code ~ '^[0-9]{10}(-[0-9]{3})?$'),
    gln               gln13,
    -- The head office: province and commune (two-level local government since July 2025).
    province          short_text,
    commune           short_text,
    address_line      short_text,
    contact_name      short_text,
    phone             text CHECK (phone ~ '^\+?[0-9 ().-]{6,20}$'),
    email             text CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254),
    -- True only for a chain made from a retailer key or person that existed before chains
    -- (below): its tax code and address are unknown until the authority fills them.
    incomplete        boolean     NOT NULL DEFAULT false,
    suspended_at      timestamptz,
    suspension_reason short_text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chains_tax_code_key UNIQUE (tax_code),
    CONSTRAINT chains_gln_key UNIQUE (gln),
    CONSTRAINT chains_complete
        CHECK (incomplete OR (tax_code IS NOT NULL AND province IS NOT NULL AND commune IS NOT NULL)),
    CONSTRAINT chains_suspension_has_reason
        CHECK ((suspended_at IS NULL) = (suspension_reason IS NULL))
);

CREATE TABLE stores (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chain_id      bigint      NOT NULL REFERENCES chains (id),
    name          short_text  NOT NULL,
    gln           gln13,
    province      short_text  NOT NULL,
    commune       short_text  NOT NULL,
    address_line  short_text,
    -- Where shoppers scan what the store received: the clone rules weigh scans near it less.
    latitude      latitude,
    longitude     longitude,
    -- A closed store keeps its deliveries; no new ones are recorded there.
    closed_at     timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT stores_chain_name_key UNIQUE (chain_id, name),
    CONSTRAINT stores_gln_key UNIQUE (gln),
    -- Lets a delivery name its store and chain together (a store of another chain cannot be).
    CONSTRAINT stores_id_chain_key UNIQUE (id, chain_id),
    CONSTRAINT stores_location_pair CHECK ((latitude IS NULL) = (longitude IS NULL))
);

ALTER TABLE api_keys ADD COLUMN chain_id bigint REFERENCES chains (id);
ALTER TABLE users ADD COLUMN chain_id bigint REFERENCES chains (id);

-- Retailer keys and people from before chains: each gets a chain of its own, named after it
-- and marked incomplete. Nobody is put in a tenant with strangers (a shared chain would show
-- each its neighbours' deliveries, people and keys); the authority completes each chain, or
-- revokes the key and issues one under the right chain.
DO $$
DECLARE
    found record;
    made  bigint;
BEGIN
    FOR found IN SELECT id, name FROM api_keys WHERE role = 'retailer' ORDER BY id LOOP
        INSERT INTO chains (name, incomplete) VALUES (found.name, true) RETURNING id INTO made;
        UPDATE api_keys SET chain_id = made WHERE id = found.id;
    END LOOP;
    FOR found IN SELECT id, display_name AS name FROM users WHERE role = 'retailer' ORDER BY id LOOP
        INSERT INTO chains (name, incomplete) VALUES (found.name, true) RETURNING id INTO made;
        UPDATE users SET chain_id = made WHERE id = found.id;
    END LOOP;
END $$;

ALTER TABLE api_keys
    ADD CONSTRAINT api_keys_chain_role CHECK ((role = 'retailer') = (chain_id IS NOT NULL));
ALTER TABLE users
    ADD CONSTRAINT users_chain_role CHECK ((role = 'retailer') = (chain_id IS NOT NULL));
CREATE INDEX api_keys_chain ON api_keys (chain_id, id) WHERE chain_id IS NOT NULL;
CREATE INDEX users_chain ON users (chain_id, id) WHERE chain_id IS NOT NULL;
