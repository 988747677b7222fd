package service_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scalezero/scalezero/app/config"
	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/password"
	"github.com/scalezero/scalezero/app/service"
)

// passwordRole makes a login role that must give its password (it belongs
// to sz_password_auth, which scripts/test-services.sh puts under
// scram-sha-256) and owns the test's database; URLs for it, without password.
func passwordRole(t *testing.T, writer, replica, pw string) (role, writerURL, replicaURL string) {
	t.Helper()
	ctx := context.Background()
	w, _ := url.Parse(writer)
	db := strings.TrimPrefix(w.Path, "/")
	role = "sz_rot_" + strings.TrimPrefix(db, "sz_test_")
	admin := testenv.Conn(t, testenv.PrimaryURL+"/postgres?sslmode=disable")
	for _, sql := range []string{
		fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s' IN ROLE sz_password_auth", role, pw),
		fmt.Sprintf("ALTER DATABASE %s OWNER TO %s", db, role),
	} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, testenv.PrimaryURL+"/postgres?sslmode=disable")
		if err != nil {
			return
		}
		defer c.Close(ctx)
		c.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
		c.Exec(ctx, "DROP ROLE IF EXISTS "+role)
	})
	as := func(raw string) string {
		u, _ := url.Parse(raw)
		u.User = url.User(role)
		return u.String()
	}
	// The rule must be in force, or the test would prove nothing.
	bad, _ := url.Parse(as(writer))
	bad.User = url.UserPassword(role, "not the password")
	if c, err := pgx.Connect(ctx, bad.String()); err == nil {
		c.Close(ctx)
		t.Fatal("a wrong password was accepted: the password rule for sz_password_auth is missing; run scripts/test-services.sh")
	}
	return role, as(writer), as(replica)
}

type outcome struct {
	start, end time.Time
	status     int
	err        error
}

// A rotation changes the password under a running app: only the requests in
// flight at the switch may fail; the pools reconnect with the new password
// read from the secret, and nothing restarts. Secrets Manager is the real
// SDK client talking to testenv.SecretsManager, a stand-in for
// GetSecretValue over its JSON protocol.
func TestRotatedDatabasePasswordUnderLoad(t *testing.T) {
	writer, replica := testenv.Database(t)
	role, writerURL, replicaURL := passwordRole(t, writer, replica, "first password")
	sm := testenv.StartSecretsManager(t)
	const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:scalezero-db-AbCdEf"
	secret := func(pw string) string {
		return fmt.Sprintf(`{"username":%q,"password":%q,"engine":"postgres","host":"127.0.0.1","port":5432,"dbname":"app"}`, role, pw)
	}
	sm.Put(arn, secret("first password"))
	for k, v := range testenv.AWSCredentials {
		t.Setenv(k, v)
	}
	testenv.WaitReplica(t, replica)
	cfg := config.Config{
		DatabaseURL: writerURL, ReaderURLs: []string{replicaURL}, DatabaseSecretARN: arn, SecretCache: time.Hour,
		AWSEndpoint: sm.URL, MaxConns: 4, MaxConnLifetime: 200 * time.Millisecond, HealthInterval: 200 * time.Millisecond,
		ReadYourWrites: time.Second, SessionTTL: time.Hour, CookieSecure: "auto", MaxBodyBytes: 4096, ShutdownTimeout: time.Second,
	}
	svc, err := service.Build(context.Background(), cfg, service.Logger("error"), password.Params{Memory: 1024, Time: 1, Threads: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	srv := httptest.NewServer(svc.HTTP)
	defer srv.Close()

	// Four users, each writing its own profile and reading the others'.
	clients := make([]*http.Client, 4)
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		clients[i] = &http.Client{Jar: jar}
		res, err := clients[i].Post(srv.URL+"/api/signup", "application/json",
			strings.NewReader(fmt.Sprintf(`{"email":"u%d@example.com","password":"correct horse 1","display_name":"U%d"}`, i, i)))
		if err != nil || res.StatusCode != 201 {
			t.Fatalf("signup %d: %v %v", i, err, res)
		}
		res.Body.Close()
	}
	var mu sync.Mutex
	var log []outcome
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				var req *http.Request
				if n%2 == 0 {
					req, _ = http.NewRequest("PUT", srv.URL+"/api/me", strings.NewReader(fmt.Sprintf(`{"bio":"%d"}`, n)))
					req.Header.Set("Content-Type", "application/json")
				} else {
					req, _ = http.NewRequest("GET", fmt.Sprintf("%s/api/users/%d", srv.URL, (i+n)%4+1), nil)
				}
				o := outcome{start: time.Now()}
				res, err := c.Do(req)
				if err == nil {
					o.status = res.StatusCode
					res.Body.Close()
				}
				o.end, o.err = time.Now(), err
				mu.Lock()
				log = append(log, o)
				mu.Unlock()
			}
		}()
	}
	time.Sleep(time.Second)
	// The rotation: the database first, then the secret (as Secrets
	// Manager's rotation does), while the load goes on.
	admin := testenv.Conn(t, testenv.PrimaryURL+"/postgres?sslmode=disable")
	readsBefore := sm.Reads()
	switchStart := time.Now()
	if _, err := admin.Exec(context.Background(), fmt.Sprintf("ALTER ROLE %s PASSWORD 'second password'", role)); err != nil {
		t.Fatal(err)
	}
	sm.Put(arn, secret("second password"))
	switchEnd := time.Now()
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()

	// The switch, as far as the app can tell, ends once a re-read may happen (100 ms after the last).
	settled := switchEnd.Add(150 * time.Millisecond)
	var before, during, after, failedAfter int
	for _, o := range log {
		ok := o.err == nil && o.status == 200
		switch {
		case o.end.Before(switchStart):
			before++
			if !ok {
				t.Errorf("a request before the rotation failed: %d %v", o.status, o.err)
			}
		case o.start.After(settled):
			after++
			if !ok {
				failedAfter++
				if failedAfter <= 5 {
					t.Errorf("a request %s after the rotation failed: %d %v", o.start.Sub(switchEnd).Round(time.Millisecond), o.status, o.err)
				}
			}
		default:
			during++
		}
	}
	if before == 0 || after < 20 {
		t.Fatalf("requests: %d before, %d during, %d after the rotation: too few to tell", before, during, after)
	}
	if sm.Reads() == readsBefore {
		t.Errorf("the secret was never read again after the rotation")
	}
	// The pools reconnected with the new password: there are sessions of the role begun after the switch.
	var fresh int
	if err := admin.QueryRow(context.Background(), "SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND backend_start > $2", role, switchEnd).Scan(&fresh); err != nil {
		t.Fatal(err)
	}
	if fresh == 0 {
		t.Errorf("no connection of %s began after the rotation", role)
	}
	// And the old password is refused now, so those connections used the new one.
	old, _ := url.Parse(writerURL)
	old.User = url.UserPassword(role, "first password")
	_, err = pgx.Connect(context.Background(), old.String())
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Errorf("the old password: %v, want 28P01", err)
	}
	t.Logf("%d requests before, %d during, %d after the rotation; %d secret reads", before, during, after, sm.Reads())
}
