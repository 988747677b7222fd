-- Each region has its own jobs bucket (phase 8): a job records the bucket
-- and region its input and output live in, so any region's host reads its
-- output from there. Jobs recorded before have '' in both: they were all
-- submitted to the primary region's bucket, which the app takes as the
-- first of jobs.buckets.
ALTER TABLE jobs
    ADD COLUMN bucket        TEXT NOT NULL DEFAULT '',
    ADD COLUMN bucket_region TEXT NOT NULL DEFAULT '';
