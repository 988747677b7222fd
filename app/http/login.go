package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
	"time"
)

// LoginLimits bound what password checks may cost. Each Argon2id check
// takes 19 MiB and tens of milliseconds of a core, so an unbounded burst of
// logins exhausts an instance's memory and CPU (and its readiness with them).
type LoginLimits struct {
	MaxHashing int           // concurrent hashes on this instance; default GOMAXPROCS
	HashWait   time.Duration // how long a request waits for a hashing slot before 503; default 2s
	// AccountFailures failed (or still running) logins per account per
	// AccountWindow, then 429 until the window ends; defaults 10 per 5m.
	AccountFailures int
	AccountWindow   time.Duration
	// AddressAttempts logins and signups per client address per
	// AddressWindow; defaults 60 per 1m.
	AddressAttempts int
	AddressWindow   time.Duration
	// ProxyHops is how many proxies append to X-Forwarded-For in front of
	// the app (the ALB: 1; CloudFront and the ALB: 2); the client's address
	// is the entry that many from the right. 0: the peer's address.
	ProxyHops int
}

func (l *LoginLimits) defaults(procs int) {
	if l.MaxHashing <= 0 {
		l.MaxHashing = procs
	}
	if l.HashWait <= 0 {
		l.HashWait = 2 * time.Second
	}
	if l.AccountFailures <= 0 {
		l.AccountFailures = 10
	}
	if l.AccountWindow <= 0 {
		l.AccountWindow = 5 * time.Minute
	}
	if l.AddressAttempts <= 0 {
		l.AddressAttempts = 60
	}
	if l.AddressWindow <= 0 {
		l.AddressWindow = time.Minute
	}
}

// clientAddr is the address the throttle counts a request under.
func clientAddr(r *http.Request, hops int) string {
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		peer = r.RemoteAddr
	}
	if hops <= 0 {
		return peer
	}
	var chain []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for _, p := range strings.Split(h, ",") {
			chain = append(chain, strings.TrimSpace(p))
		}
	}
	// Entries left of the ones our proxies added are the client's to write.
	if len(chain) >= hops {
		if ip := net.ParseIP(chain[len(chain)-hops]); ip != nil {
			return ip.String()
		}
	}
	return peer
}

func accountKey(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return "login:account:" + hex.EncodeToString(sum[:16])
}

func (s *Server) throttled(w http.ResponseWriter, r *http.Request, outcome string, left time.Duration, msg string) {
	s.o.Metrics.Login(outcome)
	setRetryAfter(w, left)
	writeError(w, r, http.StatusTooManyRequests, msg)
}

// allowAddress counts a login or signup against the client's address.
func (s *Server) allowAddress(w http.ResponseWriter, r *http.Request) bool {
	l := s.o.Login
	n, left, err := s.o.Throttle.Add(r.Context(), "login:address:"+clientAddr(r, l.ProxyHops), 1, l.AddressWindow)
	if err == nil && n > l.AddressAttempts {
		s.throttled(w, r, "throttled_address", left, "too many attempts from your address; try again later")
		return false
	}
	return true
}

// allowAccount counts a login against the account before anything is
// hashed, and refuses it past the limit. Counting first (not after a
// failure) keeps a burst of concurrent guesses, which would all pass a
// check made before any of them failed, to the limit; a login that succeeds
// takes its count back (loggedIn).
func (s *Server) allowAccount(w http.ResponseWriter, r *http.Request, email string) bool {
	l := s.o.Login
	n, left, err := s.o.Throttle.Add(r.Context(), accountKey(email), 1, l.AccountWindow)
	if err == nil && n > l.AccountFailures {
		s.throttled(w, r, "throttled_account", left, "too many failed logins for this account; try again later")
		return false
	}
	return true
}

// loggedIn takes back the count a successful login made.
func (s *Server) loggedIn(r *http.Request, email string) {
	if _, _, err := s.o.Throttle.Add(context.WithoutCancel(r.Context()), accountKey(email), -1, s.o.Login.AccountWindow); err != nil {
		s.o.Logger.Warn("uncounting a login", "error", err, "request_id", requestID(r.Context()))
	}
}

// hashing runs fn (a password hash) in one of the instance's hashing slots.
// A request that waits longer than HashWait gets 503 with Retry-After; one
// whose client has gone is dropped before any hashing, so a burst of
// abandoned requests does not keep the instance busy after the clients left.
func (s *Server) hashing(w http.ResponseWriter, r *http.Request, fn func()) bool {
	wait := time.NewTimer(s.o.Login.HashWait)
	defer wait.Stop()
	select {
	case s.hashSlots <- struct{}{}:
	case <-wait.C:
		s.o.Metrics.Login("busy")
		setRetryAfter(w, s.o.Login.HashWait)
		writeError(w, r, http.StatusServiceUnavailable, "too many password checks at once; try again")
		return false
	case <-r.Context().Done():
		s.gone(w, r)
		return false
	}
	defer func() { <-s.hashSlots }()
	if r.Context().Err() != nil {
		s.gone(w, r)
		return false
	}
	fn()
	return true
}

// statusClientGone is nginx's 499: logged and counted, read by no one.
const statusClientGone = 499

func (s *Server) gone(w http.ResponseWriter, r *http.Request) {
	s.o.Metrics.Login("client_gone")
	writeError(w, r, statusClientGone, "client closed the request")
}
