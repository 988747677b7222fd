-- The directory says on which shard each user lives (phase 9). Ids come from
-- users_id_seq on the main database, so they are unique across shards. Users
-- created before sharding stay in the main database (shard NULL) until they
-- are moved; moving a user is: copy the row to its shard, then set shard here.
CREATE TABLE user_directory (
    user_id     BIGINT PRIMARY KEY,
    email_lower TEXT   NOT NULL UNIQUE,
    shard       INT
);

INSERT INTO user_directory (user_id, email_lower, shard)
SELECT id, lower(email), NULL FROM users;
