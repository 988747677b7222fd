package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	db, _, err := s.home(ctx, `SELECT user_id, shard FROM user_directory WHERE user_id = $1`, id)
	if err != nil {
		return app.User{}, err
	}
	return db.UserByID(ctx, id)
}

// UserByEmail finds the user through the directory.
func (s *Sharded) UserByEmail(ctx context.Context, email string) (app.User, error) {
	db, id, err := s.home(ctx, `SELECT user_id, shard FROM user_directory WHERE email_lower = lower($1)`, strings.TrimSpace(email))
	if err != nil {
		return app.User{}, err
	}
	return db.UserByID(ctx, id)
}

// UpdateProfile writes to the user's shard.
func (s *Sharded) UpdateProfile(ctx context.Context, id int64, upd app.ProfileUpdate) (app.User, error) {
	db, _, err := s.home(ctx, `SELECT user_id, shard FROM user_directory WHERE user_id = $1`, id)
	if err != nil {
		return app.User{}, err
	}
	return db.UpdateProfile(ctx, id, upd)
}
