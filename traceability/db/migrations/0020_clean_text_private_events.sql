-- Clean text in the database, private receiving events, events within a lot's life,
-- approval of listings outside the marketplaces' own hosts.

-- Text people read: NFC, no control, format (bidi, zero-width, BOM, soft hyphen), private-use,
-- noncharacter or separator code points (the service checks the same at its edge); multiline
-- text may hold line breaks.
CREATE FUNCTION text_is_clean(value text, multiline boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT value IS NFC NORMALIZED
       AND value !~ '[\u0001-\u0008\u000B-\u001F\u007F-\u009F\u00AD\u061C\u115F\u1160\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFFB\uFDD0-\uFDEF\uFFFE\uFFFF\uE000-\uF8FF\U0001FFFE\U0001FFFF\U0002FFFE\U0002FFFF\U0003FFFE\U0003FFFF\U0004FFFE\U0004FFFF\U0005FFFE\U0005FFFF\U0006FFFE\U0006FFFF\U0007FFFE\U0007FFFF\U0008FFFE\U0008FFFF\U0009FFFE\U0009FFFF\U000AFFFE\U000AFFFF\U000BFFFE\U000BFFFF\U000CFFFE\U000CFFFF\U000DFFFE\U000DFFFF\U000EFFFE\U000EFFFF\U000F0000-\U0010FFFF]'
       AND (multiline OR value !~ '[\n\t]')
$$;

ALTER DOMAIN short_text ADD CONSTRAINT short_text_clean CHECK (text_is_clean(VALUE, false)) NOT VALID;
ALTER DOMAIN long_text ADD CONSTRAINT long_text_clean CHECK (text_is_clean(VALUE, true)) NOT VALID;

ALTER TABLE marketplace_listings
    ADD COLUMN approved_at timestamptz,
    ADD COLUMN approved_by bigint REFERENCES api_keys (id);
-- Listings already on the marketplaces' hosts stay approved; the rest wait for the authority.
UPDATE marketplace_listings SET approved_at = created_at WHERE platform NOT IN ('own_shop', 'other');

ALTER TABLE lot_events ADD COLUMN public boolean NOT NULL DEFAULT true;
-- Receiving recorded by keys other than the lot's cooperative (retailers) become private.
UPDATE lot_events e SET public = false
FROM api_keys k
WHERE k.id = e.recorded_by AND k.role = 'retailer';

CREATE FUNCTION lot_events_within_lot_life() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    harvested date;
BEGIN
    SELECT harvested_on INTO harvested FROM lots WHERE id = NEW.lot_id;
    IF NEW.occurred_at < (harvested::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')
       OR NEW.occurred_at > now() + interval '5 minutes' THEN
        RAISE EXCEPTION 'lot event outside the lot''s life'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'lot_events_within_lot_life';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER lot_events_within_lot_life
    BEFORE INSERT OR UPDATE OF occurred_at, lot_id ON lot_events
    FOR EACH ROW EXECUTE FUNCTION lot_events_within_lot_life();
