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
