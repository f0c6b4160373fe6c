-- The worker scans queued tickets on every tick; keep that scan small as processed rows grow.
CREATE INDEX tickets_queued_idx ON tickets (id) WHERE status = 'queued';
