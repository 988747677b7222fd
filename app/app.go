// Package app holds the domain of the demo service that runs on every phase's
// infrastructure: users with a public profile, sessions, and the interfaces the
// dependency packages (postgres, redis, memory, http) implement or use.
package app

import (
	"context"
	"errors"
	"time"
)

// User is an account. PasswordHash never leaves the server.
type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	DisplayName  string    `json:"display_name"`
	Bio          string    `json:"bio"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Profile is what anyone may read about a user.
type Profile struct {
	ID          int64     `json:"id"`
	DisplayName string    `json:"display_name"`
	Bio         string    `json:"bio"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Profile returns the public part of the user.
func (u User) Profile() Profile {
	return Profile{ID: u.ID, DisplayName: u.DisplayName, Bio: u.Bio, UpdatedAt: u.UpdatedAt}
}

// Version orders a profile's states: a cache never replaces a newer one by an older one.
func (p Profile) Version() int64 { return p.UpdatedAt.UnixMicro() }

// ProfileUpdate is a change to one's own profile; nil fields stay as they are.
type ProfileUpdate struct {
	DisplayName *string
	Bio         *string
}

// Errors the HTTP layer maps to status codes.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("already exists")
	ErrUnauthorized = errors.New("unauthorized")
)

// UserStore persists users. Reads may be served by replicas; see postgres.DB.
type UserStore interface {
	CreateUser(ctx context.Context, u User) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	UserByID(ctx context.Context, id int64) (User, error)
	UpdateProfile(ctx context.Context, id int64, upd ProfileUpdate) (User, error)
	// ProfilesChangedSince returns up to limit profiles updated at or after
	// since, oldest first, from the primary: what the cache's sweep repairs.
	ProfilesChangedSince(ctx context.Context, since time.Time, limit int) ([]Profile, error)
	// Health says what the store can serve now; readiness follows Reads.
	Health(ctx context.Context) Health
}

// Health is what a store can serve at the moment: during a primary's restart
// its replicas still serve reads, and only writes must wait.
type Health struct {
	Reads  bool `json:"reads"`
	Writes bool `json:"writes"`
}

// ProfileReader reads public profiles, possibly through a cache.
type ProfileReader interface {
	Profile(ctx context.Context, id int64) (Profile, error)
	// Updated tells the cache a write has committed, before the write returns.
	Updated(ctx context.Context, p Profile)
}

// SessionStore maps opaque session tokens to user ids.
type SessionStore interface {
	Create(ctx context.Context, userID int64) (token string, err error)
	Lookup(ctx context.Context, token string) (userID int64, err error) // ErrUnauthorized when unknown or expired
	Delete(ctx context.Context, token string) error
}

type ownWritesKey struct{}

// WithOwnWrites marks a request whose reads must see the caller's own recent
// writes (read-your-writes): the database reads the primary, the cache is skipped.
func WithOwnWrites(ctx context.Context) context.Context {
	return context.WithValue(ctx, ownWritesKey{}, true)
}

// ReadsOwnWrites reports whether ctx was marked by WithOwnWrites.
func ReadsOwnWrites(ctx context.Context) bool {
	v, _ := ctx.Value(ownWritesKey{}).(bool)
	return v
}

// StoreProfiles reads profiles straight from the store: the phases before the
// cache tier exists.
type StoreProfiles struct {
	Users interface {
		UserByID(ctx context.Context, id int64) (User, error)
	}
}

// Profile reads the user and returns its public part.
func (p StoreProfiles) Profile(ctx context.Context, id int64) (Profile, error) {
	u, err := p.Users.UserByID(ctx, id)
	return u.Profile(), err
}

// Updated has nothing to refresh.
func (StoreProfiles) Updated(context.Context, Profile) {}
