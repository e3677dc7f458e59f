-- Stamp batches whose QR is a GS1 Digital Link with AI (8030), signed for the batch's GTIN.
ALTER TABLE stamp_batches
    ADD COLUMN stamp_form text NOT NULL DEFAULT 'compact'
        CHECK (stamp_form IN ('compact', 'gs1-digital-link')),
    ADD COLUMN gtin gtin14,
    ADD CONSTRAINT stamp_batches_gs1_form_has_gtin
        CHECK ((stamp_form = 'gs1-digital-link') = (gtin IS NOT NULL));
