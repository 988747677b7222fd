package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/metrics"
	"github.com/scalezero/scalezero/app/postgres"
)

func openPlain(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), postgres.Options{WriterURL: url, HealthInterval: time.Second, Metrics: metrics.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// holds reports whether the database behind c has the user in its users table.
func holds(t *testing.T, c *pgx.Conn, id int64) bool {
	t.Helper()
	var n int
	if err := c.QueryRow(context.Background(), "select count(*) from users where id = $1", id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func TestShardRoutingByUserID(t *testing.T) {
	ctx := context.Background()
	mainURL, mainReplica := testenv.Database(t)
	shardURLs := []string{}
	for i := 0; i < 2; i++ {
		u, _ := testenv.Database(t)
		shardURLs = append(shardURLs, u)
	}
	// A user from before sharding, in the main database.
	main, _ := open(t, mainURL, mainReplica)
	old := createUser(t, main, "old@example.com")

	sharded, err := postgres.NewSharded(main, []*postgres.DB{openPlain(t, shardURLs[0]), openPlain(t, shardURLs[1])})
	if err != nil {
		t.Fatal(err)
	}
	if err := sharded.Migrate(); err != nil {
		t.Fatal(err)
	}
	mainConn := testenv.Conn(t, mainURL)
	shardConns := []*pgx.Conn{testenv.Conn(t, shardURLs[0]), testenv.Conn(t, shardURLs[1])}
	placed := map[int]int{}
	for i := 0; i < 6; i++ {
		email := fmt.Sprintf("User%d@Example.com", i)
		u, err := sharded.CreateUser(ctx, app.User{Email: email, DisplayName: "U", PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		want := int(u.ID % 2)
		placed[want]++
		if !holds(t, shardConns[want], u.ID) || holds(t, shardConns[1-want], u.ID) || holds(t, mainConn, u.ID) {
			t.Fatalf("user %d is not (only) on shard %d", u.ID, want)
		}
		if got, err := sharded.ShardOf(ctx, u.ID); err != nil || got != want {
			t.Fatalf("ShardOf(%d) = %d, %v", u.ID, got, err)
		}
		byEmail, err := sharded.UserByEmail(ctx, strings.ToLower(email))
		if err != nil || byEmail.ID != u.ID {
			t.Fatalf("by email: %+v %v", byEmail, err)
		}
		bio := fmt.Sprint("bio ", i)
		upd, err := sharded.UpdateProfile(ctx, u.ID, app.ProfileUpdate{Bio: &bio})
		if err != nil || upd.Bio != bio {
			t.Fatalf("update: %+v %v", upd, err)
		}
		if got, err := sharded.UserByID(ctx, u.ID); err != nil || got.Bio != bio {
			t.Fatalf("by id after update: %+v %v", got, err)
		}
	}
	if placed[0] != 3 || placed[1] != 3 {
		t.Fatalf("placement %v, want 3 and 3 (ids from one sequence, id %% 2)", placed)
	}
	// The user from before still works, from the main database.
	if got, err := sharded.UserByEmail(ctx, "OLD@example.com"); err != nil || got.ID != old.ID {
		t.Fatalf("old user: %+v %v", got, err)
	}
	if shard, _ := sharded.ShardOf(ctx, old.ID); shard != -1 {
		t.Fatalf("old user on shard %d", shard)
	}
	// Emails stay unique across the main database and the shards.
	for _, email := range []string{"old@EXAMPLE.com", "user3@example.com"} {
		if _, err := sharded.CreateUser(ctx, app.User{Email: email, DisplayName: "x", PasswordHash: "x"}); !errors.Is(err, app.ErrConflict) {
			t.Fatalf("%s: %v", email, err)
		}
	}
	if _, err := sharded.UserByID(ctx, 987654321); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("missing user: %v", err)
	}
}

// A shard that cannot take the write leaves no directory entry behind: the
// email can be used again once the shard is back.
func TestAFailedShardWriteWithdrawsTheDirectoryEntry(t *testing.T) {
	ctx := context.Background()
	mainURL, _ := testenv.Database(t)
	good, _ := testenv.Database(t)
	dead := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/x?sslmode=disable", testenv.FreePort(t))
	main, goodShard := openPlain(t, mainURL), openPlain(t, good)
	for _, db := range []*postgres.DB{main, goodShard} {
		if err := db.Migrate(); err != nil {
			t.Fatal(err)
		}
	}
	sharded, err := postgres.NewSharded(main, []*postgres.DB{goodShard, openPlain(t, dead)})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for i := 0; i < 4; i++ {
		email := fmt.Sprintf("u%d@example.com", i)
		u, err := sharded.CreateUser(ctx, app.User{Email: email, DisplayName: "U", PasswordHash: "x"})
		if err == nil {
			continue // landed on the good shard
		}
		if !strings.Contains(err.Error(), "shard 1") {
			t.Fatalf("%s: %v (user %+v)", email, err, u)
		}
		failed++
		if _, err := sharded.UserByEmail(ctx, email); !errors.Is(err, app.ErrNotFound) {
			t.Fatalf("%s: a directory entry survived the failed write: %v", email, err)
		}
	}
	if failed == 0 {
		t.Fatal("no user was routed to the dead shard")
	}
	if err := sharded.Ping(ctx); err == nil || !strings.Contains(err.Error(), "shard 1") {
		t.Fatalf("ping with a dead shard: %v", err)
	}
}

// shardedSetup is a main database with a user from before sharding, and two
// shards, all real and migrated.
func shardedSetup(t *testing.T) (s *postgres.Sharded, old app.User, mainConn *pgx.Conn, shardConns []*pgx.Conn) {
	t.Helper()
	mainURL, _ := testenv.Database(t)
	main := openPlain(t, mainURL)
	if err := main.Migrate(); err != nil {
		t.Fatal(err)
	}
	old = createUser(t, main, "old@example.com")
	var shards []*postgres.DB
	for range 2 {
		u, _ := testenv.Database(t)
		shards = append(shards, openPlain(t, u))
		shardConns = append(shardConns, testenv.Conn(t, u))
	}
	s, err := postgres.NewSharded(main, shards)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(); err != nil {
		t.Fatal(err)
	}
	return s, old, testenv.Conn(t, mainURL), shardConns
}

func TestMovingAUserCopiesPointsAndDeletes(t *testing.T) {
	ctx := context.Background()
	s, old, mainConn, shardConns := shardedSetup(t)
	bio := "written before the move"
	if _, err := s.UpdateProfile(ctx, old.ID, app.ProfileUpdate{Bio: &bio}); err != nil {
		t.Fatal(err)
	}
	from, err := s.MoveUser(ctx, old.ID, 1)
	if err != nil || from != -1 {
		t.Fatalf("move from the main database: from %d, %v", from, err)
	}
	if holds(t, mainConn, old.ID) || !holds(t, shardConns[1], old.ID) || holds(t, shardConns[0], old.ID) {
		t.Fatal("the user is not (only) on shard 1 after the move")
	}
	if got, _ := s.ShardOf(ctx, old.ID); got != 1 {
		t.Fatalf("directory says shard %d", got)
	}
	got, err := s.UserByEmail(ctx, "old@example.com")
	if err != nil || got.Bio != bio || got.PasswordHash != old.PasswordHash || !got.CreatedAt.Equal(old.CreatedAt) {
		t.Fatalf("after the move: %+v %v", got, err)
	}
	// Again to the same shard: nothing happens; then on to shard 0.
	if from, err := s.MoveUser(ctx, old.ID, 1); err != nil || from != 1 || !holds(t, shardConns[1], old.ID) {
		t.Fatalf("moving where it is: from %d, %v", from, err)
	}
	if from, err := s.MoveUser(ctx, old.ID, 0); err != nil || from != 1 || !holds(t, shardConns[0], old.ID) || holds(t, shardConns[1], old.ID) {
		t.Fatalf("shard 1 -> 0: from %d, %v", from, err)
	}
	if _, err := s.MoveUser(ctx, old.ID, 2); err == nil || !strings.Contains(err.Error(), "allowed 0 to 1") {
		t.Fatalf("a shard that does not exist: %v", err)
	}
	if _, err := s.MoveUser(ctx, 987654321, 0); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("a user that does not exist: %v", err)
	}
}

// Profile writes and moves of the same user race; no write is lost: each
// write either lands before a move copies the row or after the directory
// points at the new home, because both hold the directory row's lock.
func TestNoWriteIsLostWhileAUserMoves(t *testing.T) {
	ctx := context.Background()
	s, old, _, _ := shardedSetup(t)
	const writes = 60
	done := make(chan error, 1)
	go func() {
		for i := range writes {
			bio := fmt.Sprint("write ", i)
			if _, err := s.UpdateProfile(ctx, old.ID, app.ProfileUpdate{Bio: &bio}); err != nil {
				done <- fmt.Errorf("write %d: %w", i, err)
				return
			}
		}
		done <- nil
	}()
	moves := 0
	for to := 0; ; to = 1 - to {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.UserByID(ctx, old.ID)
			if err != nil || got.Bio != fmt.Sprint("write ", writes-1) {
				t.Fatalf("after %d moves: %+v %v, want the last write", moves, got, err)
			}
			if moves < 3 {
				t.Fatalf("only %d moves raced the writes", moves)
			}
			return
		default:
		}
		if _, err := s.MoveUser(ctx, old.ID, to); err != nil {
			t.Fatal(err)
		}
		moves++
		// Readers meanwhile always find the user, wherever it is.
		if _, err := s.UserByID(ctx, old.ID); err != nil {
			t.Fatalf("read during the moves: %v", err)
		}
	}
}
