// Package memory keeps sessions in the process: right while the load balancer
// pins each browser to one instance (phases 1-5), lost when the instance goes.
package memory

import (
	"context"
	"sync"
	"time"

	"github.com/scalezero/scalezero/app"
)

// Sessions is an in-process app.SessionStore.
type Sessions struct {
	ttl     time.Duration
	now     func() time.Time
	mu      sync.Mutex
	entries map[string]entry
	creates int
}

type entry struct {
	userID  int64
	expires time.Time
}

// NewSessions returns a store whose sessions last ttl.
func NewSessions(ttl time.Duration) *Sessions {
	return &Sessions{ttl: ttl, now: time.Now, entries: map[string]entry{}}
}

// Create starts a session.
func (s *Sessions) Create(_ context.Context, userID int64) (string, error) {
	token, err := app.NewSessionToken()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creates++
	if s.creates%1024 == 0 {
		s.sweep()
	}
	s.entries[app.SessionKey(token)] = entry{userID: userID, expires: s.now().Add(s.ttl)}
	return token, nil
}

// sweep drops expired sessions, so an idle instance does not grow forever.
func (s *Sessions) sweep() {
	now := s.now()
	for k, e := range s.entries {
		if now.After(e.expires) {
			delete(s.entries, k)
		}
	}
}

// Lookup returns the session's user, or app.ErrUnauthorized.
func (s *Sessions) Lookup(_ context.Context, token string) (int64, error) {
	key := app.SessionKey(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	if !ok || s.now().After(e.expires) {
		delete(s.entries, key)
		return 0, app.ErrUnauthorized
	}
	return e.userID, nil
}

// Delete ends a session.
func (s *Sessions) Delete(_ context.Context, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, app.SessionKey(token))
	return nil
}

// Len counts live and not yet swept sessions.
func (s *Sessions) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}
