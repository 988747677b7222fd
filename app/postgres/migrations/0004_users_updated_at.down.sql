DROP INDEX IF EXISTS users_updated_at;
