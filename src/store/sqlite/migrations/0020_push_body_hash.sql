-- A push's request_id answers a repeat with its first results only when the repeat is the
-- same push: body_hash is the SHA-256 (hex) of the canonical JSON of its
-- external_resources. A different body under a taken request_id is refused (409) instead
-- of silently answered with results for resources it never stored. Rows written before
-- this column existed keep NULL, which counts as the same body (they replay as before).
ALTER TABLE push_requests ADD COLUMN body_hash TEXT;
