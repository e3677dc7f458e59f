-- Whether a batch's labels carry a scratch-off PIN (all batches so far did: the default).
ALTER TABLE stamp_batches ADD COLUMN scratch_pins boolean NOT NULL DEFAULT true;
