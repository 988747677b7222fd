package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/scalezero/scalezero/app/config"
	"github.com/scalezero/scalezero/app/internal/testenv"
)

// sharedSessions sets the session store phase 6 on uses, a DynamoDB table
// (here a fresh one on the emulator, reached through a proxy the test may
// cut), next to a profile cache at cacheAddr.
func sharedSessions(t testing.TB, c *config.Config, cacheAddr string) *testenv.Proxy {
	t.Helper()
	_, table := testenv.SessionTable(t)
	u, _ := url.Parse(testenv.DynamoDBEndpoint)
	p := testenv.StartProxy(t, u.Host)
	for k, v := range testenv.AWSCredentials {
		t.Setenv(k, v)
	}
	c.CacheAddr = cacheAddr
	c.SessionStore, c.SessionTable, c.SessionEndpoint, c.Region = "dynamodb", table, "http://"+p.Addr, testenv.AWSCredentials["AWS_REGION"]
	return p
}

// A flood of anonymous profile reads fills the cache, which evicts what it
// holds least recently used (ElastiCache's allkeys-lru, here on a real
// redis-server with 4 MB). Sessions and the login throttle's counts must
// not be what it evicts: every user logged in before the flood is still
// logged in after it, and an account's failed logins still count.
func TestCacheFloodEvictsNoSessionAndNoThrottleCount(t *testing.T) {
	const (
		users    = 40   // logged in before the flood
		profiles = 6000 // distinct users read during it, ~1.5 kB each: twice the cache
		failures = 3    // the account limit
	)
	cache := testenv.StartRedis(t, "--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru")
	s := newSite(t, func(c *config.Config) {
		sharedSessions(t, c, cache.Addr)
		c.LoginAccountFailures, c.LoginAddressAttempts = failures, 1000
	})
	clients := make([]*client, users)
	for i := range clients {
		clients[i] = s.client()
		clients[i].signup(fmt.Sprintf("user%d@example.com", i))
	}
	// The victim's account is one failure from its limit.
	attacker := s.client()
	for i := 0; i < failures; i++ {
		if code, _ := attacker.do("POST", "/api/login", `{"email":"user0@example.com","password":"wrong password!"}`); code != http.StatusUnauthorized {
			t.Fatalf("failed login %d: %d", i+1, code)
		}
	}

	// Users whose profiles the flood reads, made in the database directly:
	// signing up 6000 users through the app would only be slower.
	ctx := context.Background()
	db := testenv.Conn(t, s.svc.Config.DatabaseURL)
	if _, err := db.Exec(ctx, `INSERT INTO users (email, password_hash, display_name, bio)
		SELECT 'flood' || g || '@example.com', 'x', 'Flood ' || g, $1 FROM generate_series(1, $2) g`,
		strings.Repeat("b", 1500), profiles); err != nil {
		t.Fatal(err)
	}
	var first int64
	if err := db.QueryRow(ctx, `SELECT min(id) FROM users WHERE email LIKE 'flood%'`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			anon := s.client()
			for id := first + int64(w); id < first+profiles; id += 4 {
				if code, _ := anon.do("GET", fmt.Sprintf("/api/users/%d", id), ""); code != http.StatusOK {
					t.Errorf("profile %d: %d", id, code)
					return
				}
			}
		}()
	}
	wg.Wait()
	rdb := goredis.NewClient(&goredis.Options{Addr: cache.Addr})
	defer rdb.Close()
	stats, _ := rdb.Info(ctx, "stats").Result()
	evicted := infoField(stats, "evicted_keys")
	if evicted == "" || evicted == "0" {
		t.Fatalf("the flood evicted nothing (evicted_keys %q): it proves nothing", evicted)
	}

	lost := 0
	for _, c := range clients {
		if code, _ := c.do("GET", "/api/me", ""); code == http.StatusUnauthorized {
			lost++
		} else if code != http.StatusOK {
			t.Fatalf("me: %d", code)
		}
	}
	t.Logf("cache evicted %s keys; %d of %d sessions lost", evicted, lost, users)
	if lost > 0 {
		t.Errorf("%d of %d sessions were evicted by a flood of profile reads", lost, users)
	}
	if code, _ := attacker.do("POST", "/api/login", `{"email":"user0@example.com","password":"wrong password!"}`); code != http.StatusTooManyRequests {
		t.Errorf("a failed login past the account's limit after the flood: %d, want 429 (the flood reset the count)", code)
	}
}

// infoField reads one field of Redis's INFO output.
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}

// Each region's hosts call the table's replica in their own region: the
// client is built for the host's region (SCALEZERO_REGION), and a stand-in
// for eu-west-1's endpoint refuses a call signed for any other, as AWS does.
func TestSessionsCallTheReplicaOfTheHostsRegion(t *testing.T) {
	for _, c := range []struct {
		hostRegion string
		want       int // the signup's status
	}{
		{"eu-west-1", http.StatusCreated},
		{"us-east-1", http.StatusServiceUnavailable},
	} {
		t.Run(c.hostRegion, func(t *testing.T) {
			endpoint, calls := testenv.RegionalDynamoDB(t, "eu-west-1")
			s := newSite(t, func(cfg *config.Config) {
				sharedSessions(t, cfg, cfg.CacheAddr)
				cfg.Region, cfg.SessionEndpoint = c.hostRegion, endpoint
			})
			code, body := s.client().do("POST", "/api/signup", `{"email":"ada@example.com","password":"correct horse 1","display_name":"Ada"}`)
			if code != c.want {
				t.Fatalf("signup on a host in %s against eu-west-1's replica: %d %v, want %d", c.hostRegion, code, body, c.want)
			}
			if passed := calls(); (passed > 0) != (c.want == http.StatusCreated) {
				t.Fatalf("%d calls reached eu-west-1's replica from a host in %s", passed, c.hostRegion)
			}
		})
	}
}
