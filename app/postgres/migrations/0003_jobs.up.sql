-- Jobs handed from the web tier to the worker fleet (phase 8). They live in
-- the main database in every phase (shards hold users only); input and output
-- are objects in the jobs bucket, named here.
CREATE TABLE jobs (
    id          UUID PRIMARY KEY,
    user_id     BIGINT      NOT NULL,
    kind        TEXT        NOT NULL,
    state       TEXT        NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts    INT         NOT NULL DEFAULT 0,
    input_key   TEXT        NOT NULL,
    output_key  TEXT        NOT NULL DEFAULT '',
    error       TEXT        NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX jobs_user_id ON jobs (user_id, created_at DESC);
