package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scalezero/scalezero/app"
)

// Sharded spreads users over shard databases (phase 9). The main database
// keeps the directory (user id and email -> shard) and hands out ids; a new
// user lives on shard id % len(shards). Users made before sharding have no
// shard in the directory and are served from the main database until moved.
type Sharded struct {
	main   *DB
	shards []*DB
}

// NewSharded routes over the shards; main holds the directory.
func NewSharded(main *DB, shards []*DB) (*Sharded, error) {
	if main == nil || len(shards) < 2 {
		return nil, fmt.Errorf("sharded store: a main database and at least 2 shards, got %d", len(shards))
	}
	return &Sharded{main: main, shards: shards}, nil
}

// Close closes every pool.
func (s *Sharded) Close() {
	s.main.Close()
	for _, sh := range s.shards {
		sh.Close()
	}
}

// Migrate applies the migrations to the main database and every shard.
func (s *Sharded) Migrate() error {
	if err := s.main.Migrate(); err != nil {
		return err
	}
	for i, sh := range s.shards {
		if err := sh.Migrate(); err != nil {
			return fmt.Errorf("shard %d: %w", i, err)
		}
	}
	return nil
}

// Ping checks the main database and every shard's writer.
func (s *Sharded) Ping(ctx context.Context) error {
	if err := s.main.Ping(ctx); err != nil {
		return err
	}
	for i, sh := range s.shards {
		if err := sh.Ping(ctx); err != nil {
			return fmt.Errorf("shard %d: %w", i, err)
		}
	}
	return nil
}

// Health is the weakest of the main database's and the shards': a user
// may live on any of them.
func (s *Sharded) Health(ctx context.Context) app.Health {
	h := s.main.Health(ctx)
	for _, sh := range s.shards {
		sh := sh.Health(ctx)
		h.Reads, h.Writes = h.Reads && sh.Reads, h.Writes && sh.Writes
	}
	return h
}

// ProfilesChangedSince merges the main database's and every shard's
// changes: the first limit of them, oldest first, so any change left out is
// no older than the last one returned.
func (s *Sharded) ProfilesChangedSince(ctx context.Context, since time.Time, limit int) ([]app.Profile, error) {
	var all []app.Profile
	for i, db := range append([]*DB{s.main}, s.shards...) {
		ps, err := db.ProfilesChangedSince(ctx, since, limit)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where(i-1), err)
		}
		all = append(all, ps...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].UpdatedAt.Before(all[j].UpdatedAt) })
	return all[:min(len(all), limit)], nil
}

// Main is the directory's database.
func (s *Sharded) Main() *DB { return s.main }

// CreateUser takes an id and a directory entry on the main database, then
// writes the user to its shard; if that fails, the entry is withdrawn.
func (s *Sharded) CreateUser(ctx context.Context, u app.User) (app.User, error) {
	var id int64
	var shard int
	err := s.main.write(func(q querier) error {
		return q.QueryRow(ctx, `
			INSERT INTO user_directory (user_id, email_lower, shard)
			SELECT n, lower($1), (n % $2)::int FROM nextval('users_id_seq') AS n
			RETURNING user_id, shard`, strings.TrimSpace(u.Email), len(s.shards)).Scan(&id, &shard)
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return app.User{}, app.ErrConflict
	}
	if err != nil {
		return app.User{}, fmt.Errorf("directory: %w", err)
	}
	var out app.User
	err = s.shards[shard].write(func(q querier) (err error) {
		out, err = scanUser(q.QueryRow(ctx,
			`INSERT INTO users (id, email, display_name, bio, password_hash) VALUES ($1, $2, $3, $4, $5) RETURNING `+userColumns,
			id, strings.TrimSpace(u.Email), u.DisplayName, u.Bio, u.PasswordHash))
		return err
	})
	if err != nil {
		if derr := s.main.exec(context.WithoutCancel(ctx), `DELETE FROM user_directory WHERE user_id = $1`, id); derr != nil {
			err = fmt.Errorf("%w (and withdrawing the directory entry: %v)", err, derr)
		}
		return app.User{}, fmt.Errorf("shard %d: %w", shard, err)
	}
	return out, nil
}

// home returns the database that holds the user the directory row names.
func (s *Sharded) home(ctx context.Context, sql string, arg any) (*DB, int64, error) {
	var id int64
	var shard *int32
	err := s.main.readRow(ctx, sql, arg, func(row pgx.Row) error { return row.Scan(&id, &shard) })
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, app.ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("directory: %w", err)
	}
	if shard == nil {
		return s.main, id, nil
	}
	if int(*shard) >= len(s.shards) || *shard < 0 {
		return nil, 0, fmt.Errorf("directory: user %d is on shard %d, which this app does not know (%d shards)", id, *shard, len(s.shards))
	}
	return s.shards[*shard], id, nil
}

// ShardOf reports where a user lives: -1 for the main database.
func (s *Sharded) ShardOf(ctx context.Context, id int64) (int, error) {
	db, _, err := s.home(ctx, `SELECT user_id, shard FROM user_directory WHERE user_id = $1`, id)
	if err != nil {
		return 0, err
	}
	for i, sh := range s.shards {
		if sh == db {
			return i, nil
		}
	}
	return -1, nil
}

// UserByID reads the user from its shard.
func (s *Sharded) UserByID(ctx context.Context, id int64) (app.User, error) {
	return s.read(ctx, `SELECT user_id, shard FROM user_directory WHERE user_id = $1`, id)
}

// UserByEmail finds the user through the directory.
func (s *Sharded) UserByEmail(ctx context.Context, email string) (app.User, error) {
	return s.read(ctx, `SELECT user_id, shard FROM user_directory WHERE email_lower = lower($1)`, strings.TrimSpace(email))
}

// read looks the user up in the directory and reads it from its home. A user
// moved away between the two is not found there: the directory is asked
// again, on the primary, and the user read from its new home.
func (s *Sharded) read(ctx context.Context, sql string, arg any) (app.User, error) {
	db, id, err := s.home(ctx, sql, arg)
	if err != nil {
		return app.User{}, err
	}
	u, err := db.UserByID(ctx, id)
	if !errors.Is(err, app.ErrNotFound) {
		return u, err
	}
	again, _, derr := s.home(app.WithOwnWrites(ctx), sql, arg)
	if derr != nil || again == db {
		return u, err
	}
	return again.UserByID(ctx, id)
}

// UpdateProfile writes to the user's shard while holding a share lock on the
// user's directory row, so a move (which locks it for update) cannot copy the
// row away between this write's lookup and the write itself.
func (s *Sharded) UpdateProfile(ctx context.Context, id int64, upd app.ProfileUpdate) (app.User, error) {
	var u app.User
	err := s.lockedHome(ctx, id, "FOR SHARE", func(tx pgx.Tx, home *DB, _ int) (err error) {
		home.metrics.Query(Primary)
		u, err = updateProfile(ctx, s.on(tx, home), id, upd)
		return classify(err)
	})
	return u, err
}

// on is where a statement on home runs while the directory transaction tx is
// open: in tx itself when home is the main database (a second connection
// from the same pool per request could exhaust it under load), else on
// home's writer.
func (s *Sharded) on(tx pgx.Tx, home *DB) querier {
	if home == s.main {
		return tx
	}
	return home.writer
}

// lockedHome runs fn inside a transaction on the main database that holds
// the user's directory row with the given lock, passing the user's home and
// its shard number (-1: the main database). fn's error rolls back.
func (s *Sharded) lockedHome(ctx context.Context, id int64, lock string, fn func(tx pgx.Tx, home *DB, shard int) error) error {
	tx, err := s.main.begin(ctx)
	if err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var shard *int32
	err = tx.QueryRow(ctx, `SELECT shard FROM user_directory WHERE user_id = $1 `+lock, id).Scan(&shard)
	if errors.Is(err, pgx.ErrNoRows) {
		return app.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("directory: %w", classify(err))
	}
	home, n := s.main, -1
	if shard != nil {
		if n = int(*shard); n < 0 || n >= len(s.shards) {
			return fmt.Errorf("directory: user %d is on shard %d, which this app does not know (%d shards)", id, n, len(s.shards))
		}
		home = s.shards[n]
	}
	if err := fn(tx, home, n); err != nil {
		return err
	}
	return classify(tx.Commit(ctx))
}

// MoveUser moves a user to shard `to` (the README's resharding plan): with
// the directory row locked for update, the row is copied to the target (an
// upsert, so a move cut short can be run again), the directory points at the
// target, the lock is released, and the old row is deleted. Writes wait on
// the lock meanwhile; reads follow the directory. It returns where the user
// was (-1: the main database); moving a user where it is changes nothing.
func (s *Sharded) MoveUser(ctx context.Context, id int64, to int) (from int, err error) {
	if to < 0 || to >= len(s.shards) {
		return 0, fmt.Errorf("move user %d: shard %d: allowed 0 to %d", id, to, len(s.shards)-1)
	}
	var source *DB
	err = s.lockedHome(ctx, id, "FOR UPDATE", func(tx pgx.Tx, home *DB, shard int) error {
		from, source = shard, home
		if shard == to {
			return nil
		}
		home.metrics.Query(Primary)
		u, err := scanUser(s.on(tx, home).QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
		if err != nil {
			return fmt.Errorf("read the user from %s: %w", where(shard), err)
		}
		if err := s.shards[to].exec(ctx, `
			INSERT INTO users (id, email, display_name, bio, password_hash, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, display_name = EXCLUDED.display_name,
				bio = EXCLUDED.bio, password_hash = EXCLUDED.password_hash, updated_at = EXCLUDED.updated_at`,
			u.ID, u.Email, u.DisplayName, u.Bio, u.PasswordHash, u.CreatedAt, u.UpdatedAt); err != nil {
			return fmt.Errorf("copy to shard %d: %w", to, err)
		}
		_, err = tx.Exec(ctx, `UPDATE user_directory SET shard = $2 WHERE user_id = $1`, id, to)
		return err
	})
	if err != nil || from == to {
		return from, err
	}
	// The directory no longer points here; a failure leaves an unused copy.
	if err := source.exec(ctx, `DELETE FROM users WHERE id = $1`, id); err != nil {
		return from, fmt.Errorf("user %d moved to shard %d, but its old row remains on %s: %w", id, to, where(from), err)
	}
	return from, nil
}

func where(shard int) string {
	if shard < 0 {
		return "the main database"
	}
	return fmt.Sprintf("shard %d", shard)
}
