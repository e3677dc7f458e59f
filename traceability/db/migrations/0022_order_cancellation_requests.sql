-- A cooperative's request to cancel an order whose print files were downloaded (issue 9).
-- Once downloaded, stamps may be on paper: the order is cancelled only when the authority
-- approves a request, which revokes the whole range (category 'order_cancelled').

CREATE TABLE stamp_order_cancellations (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id              bigint      NOT NULL REFERENCES stamp_batches (id),
    reason                short_text  NOT NULL,
    status                text        NOT NULL DEFAULT 'open'
        CONSTRAINT stamp_order_cancellations_status
            CHECK (status IN ('open', 'withdrawn', 'approved', 'rejected')),
    requested_at          timestamptz NOT NULL DEFAULT now(),
    requested_by_user_id  bigint REFERENCES users (id),
    requested_by_key_id   bigint REFERENCES api_keys (id),
    closed_at             timestamptz,
    closed_by_user_id     bigint REFERENCES users (id),
    closed_by_key_id      bigint REFERENCES api_keys (id),
    decision_reason       short_text,
    CONSTRAINT stamp_order_cancellations_closed
        CHECK ((status = 'open') = (closed_at IS NULL)),
    CONSTRAINT stamp_order_cancellations_rejection_has_reason
        CHECK (status <> 'rejected' OR decision_reason IS NOT NULL)
);
-- One open request per order (a double submit finds the first), and one approval at most.
CREATE UNIQUE INDEX stamp_order_cancellations_one_open
    ON stamp_order_cancellations (batch_id) WHERE status = 'open';
CREATE UNIQUE INDEX stamp_order_cancellations_one_approved
    ON stamp_order_cancellations (batch_id) WHERE status = 'approved';
CREATE INDEX stamp_order_cancellations_batch ON stamp_order_cancellations (batch_id, id);

-- Cancelled after its download only through an approved request: the check constraint
-- becomes a trigger of the same name, which can look at the requests.
ALTER TABLE stamp_batches DROP CONSTRAINT stamp_batches_cancelled_before_download;

CREATE FUNCTION stamp_batch_cancelled_before_download() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.cancelled_at IS NOT NULL AND NEW.downloaded_at IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM stamp_order_cancellations
        WHERE batch_id = NEW.id AND status = 'approved'
    ) THEN
        RAISE EXCEPTION 'stamp batch % was downloaded: only an approved request cancels it', NEW.id
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'stamp_batches_cancelled_before_download';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER stamp_batches_cancelled_before_download
    BEFORE INSERT OR UPDATE OF cancelled_at, downloaded_at ON stamp_batches
    FOR EACH ROW EXECUTE FUNCTION stamp_batch_cancelled_before_download();

-- The stamps of an order cancelled after printing are revoked with a category of their own:
-- the scan page says the print run was withdrawn, not that the stamp is a fake.
ALTER TABLE stamp_revocations
    DROP CONSTRAINT stamp_revocations_category,
    ADD CONSTRAINT stamp_revocations_category
        CHECK (category IN ('damaged_replaced', 'recalled', 'counterfeit', 'order_cancelled',
                            'other'));
