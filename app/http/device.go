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
)

// The known-device cookie marks a browser that logged in to an account:
// its logins are counted by the cookie, apart from everyone else's, so
// failures from other clients do not lock it out (OWASP's device cookies).
// Its value is "<account>.<issued, unix s>.<nonce>.<MAC>", signed as the
// read-your-writes cookie is (the first cookie key signs, all verify); the
// nonce names the device in throttle keys. It says nothing about the
// session: a stolen one saves no password guess, it only has a budget of
// its own.
const (
	deviceCookie = "sz_device"
	deviceAge    = 90 * 24 * time.Hour
)

func deviceMAC(key []byte, payload string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(deviceCookie + "|" + payload))
	return h.Sum(nil)
}

func (s *Server) signDevice(acct string, now time.Time) string {
	nonce := make([]byte, 16)
	rand.Read(nonce)
	payload := acct + "." + strconv.FormatInt(now.Unix(), 10) + "." + base64.RawURLEncoding.EncodeToString(nonce)
	return payload + "." + base64.RawURLEncoding.EncodeToString(deviceMAC(s.o.CookieKeys[0], payload))
}

// knownDevice returns the device's nonce when the request carries a valid,
// unexpired device cookie for acct, else "".
func (s *Server) knownDevice(r *http.Request, acct string, now time.Time) string {
	c, err := r.Cookie(deviceCookie)
	if err != nil {
		return ""
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 4 || parts[0] != acct {
		return ""
	}
	issued, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || issued > now.Add(time.Minute).Unix() || now.Sub(time.Unix(issued, 0)) > deviceAge {
		return ""
	}
	got, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil {
		return ""
	}
	payload := strings.Join(parts[:3], ".")
	for _, k := range s.o.CookieKeys {
		if hmac.Equal(got, deviceMAC(k, payload)) {
			return parts[2]
		}
	}
	return ""
}

// rememberDevice marks the browser as a known device of acct after a
// successful login, keeping a cookie it already has for acct.
func (s *Server) rememberDevice(w http.ResponseWriter, r *http.Request, acct string) {
	now := time.Now()
	if s.knownDevice(r, acct, now) != "" {
		return
	}
	s.setCookie(w, r, deviceCookie, s.signDevice(acct, now), int(deviceAge.Seconds()))
}
