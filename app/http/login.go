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

// LoginLimits bound what password checks may cost, and what guessing may
// achieve without denying the account's owner (ASVS 2.2.1). Each Argon2id
// check takes 19 MiB and tens of milliseconds of a core, so an unbounded
// burst of logins exhausts an instance's memory and CPU (and its readiness
// with them).
//
// Failures are counted per account and client address, not per account
// alone: eleven failures from anywhere used to lock the owner out too. A
// browser that logged in to the account before carries a signed "known
// device" cookie and is counted apart, by that cookie: others' failures,
// from any address, neither lock it nor spend its address's budget. All
// unknown clients of an account share one larger budget per hour, which
// bounds a guesser spread over many addresses.
type LoginLimits struct {
	MaxHashing int           // concurrent hashes on this instance; default GOMAXPROCS
	HashWait   time.Duration // how long a request waits for a hashing slot before 503; default 2s
	// AccountFailures failed (or still running) logins per account and
	// client address, or per known device, per AccountWindow, then 429 for
	// that address or device until the window ends; defaults 10 per 15m.
	AccountFailures int
	AccountWindow   time.Duration
	// UntrustedFailures failed (or running) logins per account from every
	// client that is not a known device of it, per UntrustedWindow, then
	// 429 for them (known devices still log in); defaults 100 per 1h, the
	// most ASVS 2.2.1 allows.
	UntrustedFailures int
	UntrustedWindow   time.Duration
	// AddressAttempts logins and signups per client address per
	// AddressWindow, known devices' logins aside; defaults 60 per 1m.
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
		l.AccountWindow = 15 * time.Minute
	}
	if l.UntrustedFailures <= 0 {
		l.UntrustedFailures = 100
	}
	if l.UntrustedWindow <= 0 {
		l.UntrustedWindow = time.Hour
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

// account names an account in throttle keys and device cookies without
// its email.
func account(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:16])
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

// loginCount is one throttle count a login attempt made.
type loginCount struct {
	key    string
	limit  int
	window time.Duration
}

// loginCounts are the counts a login for acct is held to: a known device's
// own, or else its address's on that account and that of all the
// account's unknown clients.
func (s *Server) loginCounts(r *http.Request, acct, device string) []loginCount {
	l := s.o.Login
	if device != "" {
		return []loginCount{{"login:device:" + acct + ":" + device, l.AccountFailures, l.AccountWindow}}
	}
	return []loginCount{
		{"login:pair:" + acct + ":" + clientAddr(r, l.ProxyHops), l.AccountFailures, l.AccountWindow},
		{"login:untrusted:" + acct, l.UntrustedFailures, l.UntrustedWindow},
	}
}

// allowLogin counts the attempt before anything is hashed, and refuses it
// past a limit. Counting first (not after a failure) keeps a burst of
// concurrent guesses, which would all pass a check made before any of them
// failed, to the limit; a login that succeeds, or is refused here, takes
// its counts back (uncount). A throttle that cannot be reached counts
// nothing and refuses nothing.
func (s *Server) allowLogin(w http.ResponseWriter, r *http.Request, counts []loginCount) bool {
	for i, c := range counts {
		n, left, err := s.o.Throttle.Add(r.Context(), c.key, 1, c.window)
		if err == nil && n > c.limit {
			s.uncount(w, r, counts[:i+1])
			s.throttled(w, r, "throttled_account", left, "too many failed logins for this account; try again later")
			return false
		}
	}
	return true
}

// uncount takes back the counts an attempt made.
func (s *Server) uncount(w http.ResponseWriter, r *http.Request, counts []loginCount) {
	for _, c := range counts {
		if _, _, err := s.o.Throttle.Add(context.WithoutCancel(r.Context()), c.key, -1, c.window); err != nil {
			s.o.Logger.Warn("uncounting a login", "error", err, "request_id", requestID(w))
		}
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
