-- The profile cache's sweep asks for the profiles changed in the last few
-- seconds, every second, on every instance: an index keeps that cheap.
CREATE INDEX users_updated_at ON users (updated_at);
