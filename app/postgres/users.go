package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scalezero/scalezero/app"
)

const userColumns = `id, email, display_name, bio, password_hash, created_at, updated_at`

func scanUser(row pgx.Row) (app.User, error) {
	var u app.User
	err := row.Scan(&u.ID, &u.Email, &u.DisplayName, &u.Bio, &u.PasswordHash, &u.CreatedAt, &u.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, app.ErrNotFound
	}
	return u, err
}

// CreateUser inserts a user and its directory entry (no shard: this
// database), in one statement; an email taken in any letter case is
// ErrConflict. The directory is what phase 9's shard router reads.
func (db *DB) CreateUser(ctx context.Context, u app.User) (app.User, error) {
	var out app.User
	err := db.write(func(q querier) (err error) {
		out, err = scanUser(q.QueryRow(ctx, `
			WITH u AS (
				INSERT INTO users (email, display_name, bio, password_hash) VALUES ($1, $2, $3, $4)
				RETURNING `+userColumns+`
			), d AS (
				INSERT INTO user_directory (user_id, email_lower, shard) SELECT id, lower(email), NULL FROM u
			)
			SELECT `+userColumns+` FROM u`,
			strings.TrimSpace(u.Email), u.DisplayName, u.Bio, u.PasswordHash))
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return app.User{}, app.ErrConflict
	}
	return out, err
}

// readRow reads one row from a replica; a row the replica does not have yet
// (it lags the primary) is looked for on the primary before "no rows" is
// answered.
func (db *DB) readRow(ctx context.Context, sql string, arg any, scan func(pgx.Row) error) error {
	err := db.read(ctx, func(q querier) error { return scan(q.QueryRow(ctx, sql, arg)) })
	if errors.Is(err, pgx.ErrNoRows) && !app.ReadsOwnWrites(ctx) && len(db.readers) > 0 {
		return db.readRow(app.WithOwnWrites(ctx), sql, arg, scan)
	}
	return err
}

func (db *DB) readUser(ctx context.Context, sql string, arg any) (app.User, error) {
	var u app.User
	err := db.readRow(ctx, sql, arg, func(row pgx.Row) error {
		var err error
		u, err = scanUser(row)
		if errors.Is(err, app.ErrNotFound) {
			return pgx.ErrNoRows
		}
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return u, app.ErrNotFound
	}
	return u, err
}

// UserByEmail finds a user by email, in any letter case.
func (db *DB) UserByEmail(ctx context.Context, email string) (app.User, error) {
	return db.readUser(ctx, `SELECT `+userColumns+` FROM users WHERE lower(email) = lower($1)`, strings.TrimSpace(email))
}

// UserByID finds a user by id.
func (db *DB) UserByID(ctx context.Context, id int64) (app.User, error) {
	return db.readUser(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
}

// UpdateProfile changes the given fields. updated_at strictly increases, so
// it orders a profile's versions (see app.Profile.Version).
func (db *DB) UpdateProfile(ctx context.Context, id int64, upd app.ProfileUpdate) (app.User, error) {
	var u app.User
	err := db.write(func(q querier) (err error) {
		u, err = updateProfile(ctx, q, id, upd)
		return err
	})
	return u, err
}

func updateProfile(ctx context.Context, q querier, id int64, upd app.ProfileUpdate) (app.User, error) {
	return scanUser(q.QueryRow(ctx, `
		UPDATE users
		   SET display_name = COALESCE($2, display_name),
		       bio          = COALESCE($3, bio),
		       updated_at   = GREATEST(clock_timestamp(), updated_at + interval '1 microsecond')
		 WHERE id = $1
		RETURNING `+userColumns, id, upd.DisplayName, upd.Bio))
}

// ProfilesChangedSince returns up to limit profiles updated at or after
// since, oldest first, from the primary (a replica may lag): what the profile
// cache's sweep writes through.
func (db *DB) ProfilesChangedSince(ctx context.Context, since time.Time, limit int) ([]app.Profile, error) {
	var out []app.Profile
	err := db.write(func(q querier) error {
		rows, err := q.Query(ctx, `
			SELECT id, display_name, bio, updated_at FROM users
			 WHERE updated_at >= $1 ORDER BY updated_at LIMIT $2`, since, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.Profile, error) {
			var p app.Profile
			err := row.Scan(&p.ID, &p.DisplayName, &p.Bio, &p.UpdatedAt)
			return p, err
		})
		return err
	})
	return out, err
}
