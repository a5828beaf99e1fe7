-- Retention: the background pruner deletes finished rows oldest first, a small batch at a
-- time, each batch reading only rows it deletes. Delivered and failed events by their last
-- attempt (delivery sets it too); sent and failed replies by when they finished. Push
-- request records (created_at) and pulls ((instance_id, id)) have their indexes already.
CREATE INDEX event_outbox_done ON event_outbox (last_attempt_at) WHERE status <> 'pending';
CREATE INDEX replies_done ON replies (updated_at) WHERE status <> 'pending';
