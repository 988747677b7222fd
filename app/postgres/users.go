package postgres

import (
	"context"
	"errors"
	"strings"

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

// CreateUser inserts a user; an email taken in any letter case is ErrConflict.
func (db *DB) CreateUser(ctx context.Context, u app.User) (app.User, error) {
	var out app.User
	err := db.write(func(q querier) (err error) {
		out, err = scanUser(q.QueryRow(ctx,
			`INSERT INTO users (email, display_name, bio, password_hash) VALUES ($1, $2, $3, $4) RETURNING `+userColumns,
			strings.TrimSpace(u.Email), u.DisplayName, u.Bio, u.PasswordHash))
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return app.User{}, app.ErrConflict
	}
	return out, err
}

// readUser reads from a replica; a row the replica does not have yet (it lags
// the primary) is looked for on the primary before "not found" is answered.
func (db *DB) readUser(ctx context.Context, sql string, arg any) (app.User, error) {
	var u app.User
	err := db.read(ctx, func(q querier) (err error) {
		u, err = scanUser(q.QueryRow(ctx, sql, arg))
		return err
	})
	if errors.Is(err, app.ErrNotFound) && !app.ReadsOwnWrites(ctx) && len(db.readers) > 0 {
		return db.readUser(app.WithOwnWrites(ctx), sql, arg)
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
		u, err = scanUser(q.QueryRow(ctx, `
			UPDATE users
			   SET display_name = COALESCE($2, display_name),
			       bio          = COALESCE($3, bio),
			       updated_at   = GREATEST(clock_timestamp(), updated_at + interval '1 microsecond')
			 WHERE id = $1
			RETURNING `+userColumns, id, upd.DisplayName, upd.Bio))
		return err
	})
	return u, err
}
