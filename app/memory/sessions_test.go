package memory

import (
	"context"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app"
)

func TestSessionsExpireAndAreSwept(t *testing.T) {
	now := time.Unix(1000, 0)
	s := NewSessions(time.Minute)
	s.now = func() time.Time { return now }
	ctx := context.Background()
	token, err := s.Create(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := s.Lookup(ctx, token); err != nil || id != 7 {
		t.Fatalf("%d %v", id, err)
	}
	if _, err := s.Lookup(ctx, token+"x"); err != app.ErrUnauthorized {
		t.Fatalf("forged token: %v", err)
	}
	now = now.Add(2 * time.Minute)
	if _, err := s.Lookup(ctx, token); err != app.ErrUnauthorized {
		t.Fatalf("expired session: %v", err)
	}
	for i := 0; i < 1022; i++ { // creates 2 to 1023
		s.Create(ctx, int64(i))
	}
	now = now.Add(2 * time.Minute)
	s.Create(ctx, 1) // the 1024th create sweeps what expired
	if n := s.Len(); n != 1 {
		t.Fatalf("%d sessions after the sweep, want 1", n)
	}
	tok, _ := s.Create(ctx, 9)
	s.Delete(ctx, tok)
	if _, err := s.Lookup(ctx, tok); err != app.ErrUnauthorized {
		t.Fatalf("deleted session: %v", err)
	}
}
