package http

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scalezero/scalezero/app"
)

// The read-your-writes cookie sends a browser's reads to the primary for a
// moment after it wrote. The primary is the scarce tier, so the cookie is
// signed (HMAC-SHA256) and its deadline bounded: a client cannot forge one
// that sends all its reads there, or keep one forever. Its value is
// "<deadline, unix ms>.<MAC>"; the first key signs and every key verifies,
// so a new key is rolled out by putting it first, and cookies signed with
// the previous one keep working until they expire (seconds later).

// ownWrites signs and checks the cookie's values.
type ownWrites struct {
	keys   [][]byte
	window time.Duration
}

// newCookieKey makes a key for one process, when the stack gives none.
func newCookieKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

func mac(key []byte, until string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(ownWritesCookie + "|" + until))
	return h.Sum(nil)
}

func (o ownWrites) sign(until time.Time) string {
	u := strconv.FormatInt(until.UnixMilli(), 10)
	return u + "." + base64.RawURLEncoding.EncodeToString(mac(o.keys[0], u))
}

// valid reports whether value is a cookie one of the keys signed whose
// deadline is still ahead, and no further ahead than one window (plus a
// second for clocks that differ between instances).
func (o ownWrites) valid(value string, now time.Time) bool {
	u, sig, ok := strings.Cut(value, ".")
	if !ok {
		return false
	}
	until, err := strconv.ParseInt(u, 10, 64)
	if err != nil || until <= now.UnixMilli() || until > now.Add(o.window+time.Second).UnixMilli() {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	for _, k := range o.keys {
		if hmac.Equal(got, mac(k, u)) {
			return true
		}
	}
	return false
}

func (s *Server) markOwnWrite(w http.ResponseWriter, r *http.Request) {
	if s.o.ReadYourWrites <= 0 {
		return
	}
	s.setCookie(w, r, ownWritesCookie, s.ryw.sign(time.Now().Add(s.o.ReadYourWrites)), int(s.o.ReadYourWrites.Seconds())+1)
}

// withOwnWrites marks a request that carries a valid write marker. Most
// requests carry no cookie at all: they cost one map lookup.
func (s *Server) withOwnWrites(r *http.Request) *http.Request {
	if s.o.ReadYourWrites <= 0 || len(r.Header["Cookie"]) == 0 {
		return r
	}
	if c, err := r.Cookie(ownWritesCookie); err == nil && s.ryw.valid(c.Value, time.Now()) {
		return r.WithContext(app.WithOwnWrites(r.Context()))
	}
	return r
}
