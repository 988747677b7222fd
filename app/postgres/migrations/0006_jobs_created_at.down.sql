DROP INDEX jobs_created_at;
