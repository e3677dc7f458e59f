-- Every committed write to rows the workers' scan caches hold notifies them (see
-- schema.sql and traceability/changes.py): a change shows on every instance at once.

CREATE FUNCTION notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- TG_ARGV[0]: what changed (batch, product, lot, cooperative, planting_area);
    -- TG_ARGV[1]: the column holding its id.
    old_id text := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) ->> TG_ARGV[1] END;
    new_id text := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) ->> TG_ARGV[1] END;
BEGIN
    IF new_id IS NOT NULL THEN
        PERFORM pg_notify('traceability_change', TG_ARGV[0] || ':' || new_id);
    END IF;
    IF old_id IS DISTINCT FROM new_id AND old_id IS NOT NULL THEN
        PERFORM pg_notify('traceability_change', TG_ARGV[0] || ':' || old_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER stamp_activations_notify AFTER INSERT OR UPDATE OR DELETE ON stamp_activations
    FOR EACH ROW EXECUTE FUNCTION notify_change('batch', 'batch_id');
CREATE TRIGGER stamp_revocations_notify AFTER INSERT OR UPDATE OR DELETE ON stamp_revocations
    FOR EACH ROW EXECUTE FUNCTION notify_change('batch', 'batch_id');
CREATE TRIGGER cooperatives_notify AFTER UPDATE OR DELETE ON cooperatives
    FOR EACH ROW EXECUTE FUNCTION notify_change('cooperative', 'id');
CREATE TRIGGER products_notify AFTER UPDATE OR DELETE ON products
    FOR EACH ROW EXECUTE FUNCTION notify_change('product', 'id');
CREATE TRIGGER product_certifications_notify
    AFTER INSERT OR UPDATE OR DELETE ON product_certifications
    FOR EACH ROW EXECUTE FUNCTION notify_change('product', 'product_id');
CREATE TRIGGER marketplace_listings_notify
    AFTER INSERT OR UPDATE OR DELETE ON marketplace_listings
    FOR EACH ROW EXECUTE FUNCTION notify_change('product', 'product_id');
CREATE TRIGGER planting_areas_notify AFTER UPDATE OR DELETE ON planting_areas
    FOR EACH ROW EXECUTE FUNCTION notify_change('planting_area', 'id');
CREATE TRIGGER lots_notify AFTER UPDATE OR DELETE ON lots
    FOR EACH ROW EXECUTE FUNCTION notify_change('lot', 'id');
CREATE TRIGGER lot_events_notify AFTER INSERT OR UPDATE OR DELETE ON lot_events
    FOR EACH ROW EXECUTE FUNCTION notify_change('lot', 'lot_id');
CREATE TRIGGER lot_recalls_notify AFTER INSERT OR UPDATE OR DELETE ON lot_recalls
    FOR EACH ROW EXECUTE FUNCTION notify_change('lot', 'lot_id');
