-- A delivery a chain's store received: recorded by a clerk after checking its stamps. Private
-- to the chain, the authority and the cooperatives whose goods it holds (its supplier, and
-- the owners of its lots); never on a consumer page.
CREATE TABLE deliveries (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chain_id            bigint      NOT NULL REFERENCES chains (id),
    store_id            bigint      NOT NULL,
    -- The supplier, as the delivery note says (the stamps' cooperatives are in its lines).
    cooperative_id      bigint      NOT NULL REFERENCES cooperatives (id),
    purchase_order      short_text,
    received_at         timestamptz NOT NULL,
    notes               long_text,
    -- The stamps' outcomes when they were checked at the dock (they add up to the codes).
    activated           integer     NOT NULL CHECK (activated >= 0),
    not_activated       integer     NOT NULL CHECK (not_activated >= 0),
    revoked             integer     NOT NULL CHECK (revoked >= 0),
    suspicious          integer     NOT NULL CHECK (suspicious >= 0),
    invalid             integer     NOT NULL CHECK (invalid >= 0),
    recorded_by_user_id bigint REFERENCES users (id),
    recorded_by_key_id  bigint REFERENCES api_keys (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    -- The store is one of the chain's own.
    CONSTRAINT deliveries_store_of_chain FOREIGN KEY (store_id, chain_id)
        REFERENCES stores (id, chain_id),
    CONSTRAINT deliveries_received_not_future CHECK (received_at <= created_at + interval '5 minutes')
);
CREATE INDEX deliveries_chain ON deliveries (chain_id, id DESC);
CREATE INDEX deliveries_cooperative ON deliveries (cooperative_id, id DESC);

-- Each genuine stamp of a delivery (a code that is no stamp of this service has no serial),
-- its status at the dock and its lot: a lot's deliveries are found through it.
CREATE TABLE delivery_stamps (
    delivery_id bigint  NOT NULL REFERENCES deliveries (id),
    serial      bigint  NOT NULL CHECK (serial >= 0),
    status      text    NOT NULL
        CHECK (status IN ('activated', 'not_activated', 'revoked', 'suspicious')),
    lot_id      bigint REFERENCES lots (id),
    cooperative_id bigint NOT NULL REFERENCES cooperatives (id),
    PRIMARY KEY (delivery_id, serial)
);
CREATE INDEX delivery_stamps_lot ON delivery_stamps (lot_id, delivery_id) WHERE lot_id IS NOT NULL;
CREATE INDEX delivery_stamps_cooperative ON delivery_stamps (cooperative_id, delivery_id);
