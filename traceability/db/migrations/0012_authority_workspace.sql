-- The authority's workspace: suspended cooperatives, yearly subsidy budgets, orders that
-- wait for approval, the cooperative's share marked paid, suspicious-stamp case events.

ALTER TABLE cooperatives
    ADD COLUMN suspended_at timestamptz,
    ADD COLUMN suspension_reason short_text,
    ADD CONSTRAINT cooperatives_suspension_has_reason
        CHECK ((suspended_at IS NULL) = (suspension_reason IS NULL));

-- What the province sets aside for a cooperative's stamps in a (Vietnam) calendar year.
-- An order whose subsidy would take the year past it waits for the authority's approval.
CREATE TABLE subsidy_budgets (
    cooperative_id  bigint        NOT NULL REFERENCES cooperatives (id),
    year            smallint      NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    budget_vnd      numeric(15,0) NOT NULL CHECK (budget_vnd >= 0),
    updated_at      timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (cooperative_id, year)
);

-- An order beyond its budget, and the authority's decision on it. An order without a row
-- here fitted its budget. Until approved its stamps can be neither printed nor activated;
-- a rejected order costs nothing (like a cancelled one).
CREATE TABLE stamp_order_approvals (
    batch_id            bigint        PRIMARY KEY REFERENCES stamp_batches (id),
    year                smallint      NOT NULL,
    -- The budget and what the year had already used when the order came (NULL: no budget).
    budget_vnd          numeric(15,0),
    used_vnd            numeric(15,0) NOT NULL,
    requested_at        timestamptz   NOT NULL DEFAULT now(),
    decision            text CHECK (decision IN ('approved', 'rejected')),
    decided_at          timestamptz,
    decided_by_user_id  bigint REFERENCES users (id),
    decided_by_key_id   bigint REFERENCES api_keys (id),
    reason              short_text,
    CONSTRAINT stamp_order_approvals_decided
        CHECK ((decision IS NULL) = (decided_at IS NULL)),
    CONSTRAINT stamp_order_approvals_rejection_has_reason
        CHECK (decision IS DISTINCT FROM 'rejected' OR reason IS NOT NULL)
);
CREATE INDEX stamp_order_approvals_waiting ON stamp_order_approvals (requested_at)
    WHERE decision IS NULL;

-- Stamps of an order that waits for approval or was rejected can never be activated.
CREATE FUNCTION stamp_activation_batch_approved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM stamp_order_approvals
    WHERE batch_id = NEW.batch_id AND decision IS DISTINCT FROM 'approved';
    IF FOUND THEN
        RAISE EXCEPTION 'stamp batch % is not approved', NEW.batch_id
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'stamp_activations_batch_approved';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER stamp_activations_batch_approved
    BEFORE INSERT ON stamp_activations
    FOR EACH ROW EXECUTE FUNCTION stamp_activation_batch_approved();

-- The cooperative's share of an order, paid: when, and the reference of the transfer.
CREATE TABLE stamp_order_payments (
    batch_id             bigint        PRIMARY KEY REFERENCES stamp_batches (id),
    paid_on              date          NOT NULL,
    reference            short_text    NOT NULL,
    amount_vnd           numeric(15,0) NOT NULL CHECK (amount_vnd >= 0),
    recorded_at          timestamptz   NOT NULL DEFAULT now(),
    recorded_by_user_id  bigint REFERENCES users (id),
    recorded_by_key_id   bigint REFERENCES api_keys (id)
);

-- A suspicious stamp's case history: notes, a dismissal (the mark cleared), a counterfeit
-- confirmed (its stamps revoked). The queue's open cases are marked stamps with no
-- confirmation since their mark.
CREATE TABLE stamp_case_events (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    serial           bigint      NOT NULL REFERENCES stamps (serial),
    at               timestamptz NOT NULL DEFAULT now(),
    kind             text        NOT NULL CHECK (kind IN ('note', 'dismissed', 'confirmed')),
    body             text        NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    revocation_id    bigint REFERENCES stamp_revocations (id),
    actor_user_id    bigint REFERENCES users (id),
    actor_key_id     bigint REFERENCES api_keys (id),
    CONSTRAINT stamp_case_events_confirmed_revokes
        CHECK ((kind = 'confirmed') = (revocation_id IS NOT NULL))
);
CREATE INDEX stamp_case_events_serial ON stamp_case_events (serial, id);
