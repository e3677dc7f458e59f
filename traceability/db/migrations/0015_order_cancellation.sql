-- Stamp orders can be cancelled until their stamps are downloaded or activated.

ALTER TABLE stamp_batches
    ADD COLUMN downloaded_at timestamptz,
    ADD COLUMN cancelled_at  timestamptz,
    ADD COLUMN cancel_reason short_text,
    ADD CONSTRAINT stamp_batches_cancelled_before_download
        CHECK (cancelled_at IS NULL OR downloaded_at IS NULL),
    ADD CONSTRAINT stamp_batches_cancel_reason_when_cancelled
        CHECK (cancel_reason IS NULL OR cancelled_at IS NOT NULL);

-- Batches downloaded before this column existed: the audit log knows when.
UPDATE stamp_batches b SET downloaded_at = d.at
FROM (SELECT entity_id, min(at) AS at FROM audit_log
      WHERE entity = 'stamp_batch' AND action = 'download' GROUP BY entity_id) d
WHERE d.entity_id = b.id::text;

CREATE FUNCTION stamp_activation_batch_not_cancelled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM stamp_batches WHERE id = NEW.batch_id AND cancelled_at IS NULL FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'stamp batch % is cancelled', NEW.batch_id
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'stamp_activations_batch_not_cancelled';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER stamp_activations_batch_not_cancelled
    BEFORE INSERT ON stamp_activations
    FOR EACH ROW EXECUTE FUNCTION stamp_activation_batch_not_cancelled();
