-- Jobs that share an ordering key wait in their own state until the one ahead of them finishes, so a claim scans
-- only runnable heads instead of probing every queued job of a busy key (a hot conversation queued thousands).
ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check CHECK (status IN ('pending', 'running', 'waiting', 'done', 'dead'));
DROP INDEX jobs_by_ordering_key;
CREATE INDEX jobs_open_by_ordering_key ON jobs (ordering_key, id)
  WHERE ordering_key IS NOT NULL AND status IN ('pending', 'running', 'waiting');
