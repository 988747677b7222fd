-- The sweep deletes the oldest jobs first (DeleteJobsBefore).
CREATE INDEX jobs_created_at ON jobs (created_at);
