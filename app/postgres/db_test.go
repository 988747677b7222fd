package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/metrics"
	"github.com/scalezero/scalezero/app/postgres"
)

func open(t *testing.T, writer string, readers ...string) (*postgres.DB, *metrics.Metrics) {
	t.Helper()
	m := metrics.New()
	db, err := postgres.Open(context.Background(), postgres.Options{
		WriterURL: writer, ReaderURLs: readers, HealthInterval: 200 * time.Millisecond, Metrics: m,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(); err != nil {
		t.Fatal(err)
	}
	return db, m
}

func queries(m *metrics.Metrics, pool string) float64 {
	return testutil.ToFloat64(m.Queries.WithLabelValues(pool))
}

func createUser(t *testing.T, db *postgres.DB, email string) app.User {
	t.Helper()
	u, err := db.CreateUser(context.Background(), app.User{Email: email, DisplayName: "Ada", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// replicated opens a fresh database with its replica and a user the replica
// has already replayed.
func replicated(t *testing.T) (db *postgres.DB, m *metrics.Metrics, replica string, u app.User) {
	t.Helper()
	writer, replica := testenv.Database(t)
	db, m = open(t, writer, replica)
	u = createUser(t, db, "ada@example.com")
	testenv.WaitReplayed(t, replica, u.ID, u.UpdatedAt)
	return db, m, replica, u
}

func TestReadsGoToTheReplicaWritesAndOwnReadsToThePrimary(t *testing.T) {
	db, m, replica, u := replicated(t)
	ctx := context.Background()

	testenv.PauseReplay(t, replica)
	bio := "written while the replica is paused"
	if _, err := db.UpdateProfile(ctx, u.ID, app.ProfileUpdate{Bio: &bio}); err != nil {
		t.Fatal(err)
	}
	primaryBefore, replicaBefore := queries(m, postgres.Primary), queries(m, postgres.Replica)
	got, err := db.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Bio != "" {
		t.Fatalf("a plain read saw %q: it did not come from the paused replica", got.Bio)
	}
	if queries(m, postgres.Replica) != replicaBefore+1 || queries(m, postgres.Primary) != primaryBefore {
		t.Fatalf("read counted primary %v->%v replica %v->%v", primaryBefore, queries(m, postgres.Primary), replicaBefore, queries(m, postgres.Replica))
	}
	own, err := db.UserByID(app.WithOwnWrites(ctx), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if own.Bio != bio {
		t.Fatalf("read-your-writes saw %q, want %q", own.Bio, bio)
	}
}

func TestANewRowTheReplicaLacksIsFoundOnThePrimary(t *testing.T) {
	writer, replica := testenv.Database(t)
	db, m := open(t, writer, replica)
	seed := createUser(t, db, "seed@example.com")
	testenv.WaitReplayed(t, replica, seed.ID, seed.UpdatedAt)
	testenv.PauseReplay(t, replica)
	u := createUser(t, db, "new@example.com")
	got, err := db.UserByEmail(context.Background(), "NEW@example.com")
	if err != nil || got.ID != u.ID {
		t.Fatalf("got %+v, %v", got, err)
	}
	if queries(m, postgres.Replica) < 1 {
		t.Fatal("the replica was not asked first")
	}
	if _, err := db.UserByID(context.Background(), 999999); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("missing user: %v", err)
	}
}

func TestReplicaStoppedReadsFallBackToThePrimaryAndReturn(t *testing.T) {
	db, m, replica, u := replicated(t)
	ctx := context.Background()
	if _, err := db.UserByID(ctx, u.ID); err != nil {
		t.Fatal(err)
	}

	testenv.Replica(t, "stop")
	t.Cleanup(func() { testenv.Replica(t, "start") })
	for i := 0; i < 20; i++ {
		got, err := db.UserByID(ctx, u.ID)
		if err != nil || got.ID != u.ID {
			t.Fatalf("read %d with the replica down: %+v, %v", i, got, err)
		}
	}
	if f := testutil.ToFloat64(m.Fallbacks); f < 1 {
		t.Fatalf("no fallback counted (%v)", f)
	}
	if db.HealthyReplicas() != 0 {
		t.Fatal("the stopped replica is still taking reads")
	}

	testenv.Replica(t, "start")
	testenv.WaitReplica(t, replica)
	deadline := time.Now().Add(10 * time.Second)
	for db.HealthyReplicas() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the replica never came back into rotation")
		}
		time.Sleep(50 * time.Millisecond)
	}
	before := queries(m, postgres.Replica)
	if _, err := db.UserByID(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if queries(m, postgres.Replica) != before+1 {
		t.Fatal("reads did not return to the replica")
	}
}

func TestNoReachableReplicaAtStart(t *testing.T) {
	writer, _ := testenv.Database(t)
	dead := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/x?sslmode=disable", testenv.FreePort(t))
	db, m := open(t, writer, dead)
	u := createUser(t, db, "ada@example.com")
	if _, err := db.UserByID(context.Background(), u.ID); err != nil {
		t.Fatal(err)
	}
	if testutil.ToFloat64(m.Fallbacks) != 1 || queries(m, postgres.Replica) != 0 {
		t.Fatalf("fallbacks %v, replica queries %v", testutil.ToFloat64(m.Fallbacks), queries(m, postgres.Replica))
	}
}

func TestEmailsAreUniqueInAnyCaseAndVersionsIncrease(t *testing.T) {
	writer, _ := testenv.Database(t)
	db, _ := open(t, writer)
	u := createUser(t, db, "ada@example.com")
	if _, err := db.CreateUser(context.Background(), app.User{Email: "ADA@example.com", DisplayName: "x", PasswordHash: "x"}); !errors.Is(err, app.ErrConflict) {
		t.Fatalf("duplicate email: %v", err)
	}
	last := u.Profile().Version()
	for i := 0; i < 5; i++ {
		name := fmt.Sprint("Ada ", i)
		next, err := db.UpdateProfile(context.Background(), u.ID, app.ProfileUpdate{DisplayName: &name})
		if err != nil {
			t.Fatal(err)
		}
		if next.Profile().Version() <= last || next.DisplayName != name || next.Bio != "" {
			t.Fatalf("update %d: %+v (version %d after %d)", i, next, next.Profile().Version(), last)
		}
		last = next.Profile().Version()
	}
	if _, err := db.UpdateProfile(context.Background(), 424242, app.ProfileUpdate{}); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("update of a missing user: %v", err)
	}
}
