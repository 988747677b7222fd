package http

import (
	"context"
	"errors"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/password"
)

const (
	sessionCookie   = "sz_session"
	ownWritesCookie = "sz_ryw"
)

type signupRequest struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type profileRequest struct {
	DisplayName *string `json:"display_name"`
	Bio         *string `json:"bio"`
}

func validDisplayName(s string) bool {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	return n >= 1 && n <= 64
}

// badText says what is wrong with a text field, or "" when nothing is.
// Control characters are not text (PostgreSQL refuses NUL outright);
// multiline fields may hold line breaks and tabs. Bidirectional controls
// (overrides, embeddings, isolates) let a name display as another
// ("Bob" followed by a right-to-left override and "nimda"), so names refuse them.
func badText(field, s string, multiline, names bool) string {
	for _, r := range s {
		switch {
		case multiline && (r == '\n' || r == '\r' || r == '\t'):
		case unicode.IsControl(r):
			return field + ": control characters (such as NUL or escape) are not allowed"
		case names && (r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'):
			return field + ": bidirectional override characters are not allowed"
		}
	}
	return ""
}

func (s *Server) signup(w http.ResponseWriter, r *http.Request) {
	var req signupRequest
	if !s.decode(w, r, &req) {
		return
	}
	addr, err := mail.ParseAddress(req.Email)
	bad := func(msg string) { writeError(w, r, http.StatusBadRequest, msg) }
	switch {
	case badText("email", req.Email, false, true) != "":
		bad(badText("email", req.Email, false, true))
		return
	case err != nil || addr.Address != strings.TrimSpace(req.Email) || len(req.Email) > 254:
		bad("email: a plain address such as ada@example.com")
		return
	case utf8.RuneCountInString(req.Password) < 10 || len(req.Password) > 128:
		bad("password: 10 to 128 characters")
		return
	case badText("display_name", req.DisplayName, false, true) != "":
		bad(badText("display_name", req.DisplayName, false, true))
		return
	case !validDisplayName(req.DisplayName):
		bad("display_name: 1 to 64 characters")
		return
	}
	if !s.allowAddress(w, r) {
		return
	}
	var hash string
	if !s.hashing(w, r, func() { hash, err = password.Hash(req.Password, s.o.PasswordParams) }) {
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	u, err := s.o.Users.CreateUser(r.Context(), app.User{Email: req.Email, DisplayName: strings.TrimSpace(req.DisplayName), PasswordHash: hash})
	if errors.Is(err, app.ErrConflict) {
		writeError(w, r, http.StatusConflict, "email: already registered")
		return
	}
	if err != nil {
		s.fail(w, r, "database", err)
		return
	}
	// The cache may hold "no such user" for this id (someone read it
	// before it existed): the new profile replaces it before the answer.
	s.o.Profiles.Updated(r.Context(), u.Profile())
	if !s.startSession(w, r, u.ID) {
		return
	}
	s.markOwnWrite(w, r)
	writeJSON(w, http.StatusCreated, u)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !s.decode(w, r, &req) {
		return
	}
	switch {
	case badText("email", req.Email, false, true) != "":
		writeError(w, r, http.StatusBadRequest, badText("email", req.Email, false, true))
		return
	case len(req.Email) > 254 || len(req.Password) > 128:
		writeError(w, r, http.StatusUnauthorized, "invalid email or password")
		return
	}
	acct := account(req.Email)
	device := s.knownDevice(r, acct, time.Now())
	// A known device's logins spend neither its address's budget nor the
	// account's unknown clients' one (see LoginLimits).
	if device == "" && !s.allowAddress(w, r) {
		return
	}
	counts := s.loginCounts(r, acct, device)
	if !s.allowLogin(w, r, counts) {
		return
	}
	u, err := s.o.Users.UserByEmail(r.Context(), req.Email)
	if err != nil && !errors.Is(err, app.ErrNotFound) {
		s.uncount(w, r, counts)
		s.fail(w, r, "database", err)
		return
	}
	// An unknown email costs the same hash as a known one, so response times
	// do not tell which emails have accounts.
	hash := s.decoyHash
	if err == nil {
		hash = u.PasswordHash
	}
	var ok bool
	var verr error
	if !s.hashing(w, r, func() { ok, verr = password.Verify(req.Password, hash) }) {
		s.uncount(w, r, counts) // not checked: no guess was made
		return
	}
	if verr != nil {
		s.internal(w, r, verr)
		return
	}
	ok = ok && err == nil
	if !ok {
		s.o.Metrics.Login("failed")
		writeError(w, r, http.StatusUnauthorized, "invalid email or password")
		return
	}
	s.uncount(w, r, counts)
	s.rememberDevice(w, r, acct)
	if s.startSession(w, r, u.ID) {
		writeJSON(w, http.StatusOK, u)
	}
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.o.Sessions.Delete(r.Context(), c.Value); err != nil {
			s.unavailable(w, r, "sessions", err)
			return
		}
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	w.WriteHeader(http.StatusNoContent)
}

// startSession issues a new session (and ends the one the browser had, so a
// token planted before login is worth nothing after it).
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, userID int64) bool {
	if old, err := r.Cookie(sessionCookie); err == nil && old.Value != "" {
		_ = s.o.Sessions.Delete(r.Context(), old.Value)
	}
	token, err := s.o.Sessions.Create(r.Context(), userID)
	if err != nil {
		s.unavailable(w, r, "sessions", err)
		return false
	}
	s.setCookie(w, r, sessionCookie, token, 0)
	return true
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	secure := s.o.CookieSecure == "always" ||
		(s.o.CookieSecure == "auto" && (r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"))
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
}

type userKey struct{}

// authed runs next with the session's user id in the context, or answers 401.
func (s *Server) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			writeError(w, r, http.StatusUnauthorized, "log in first")
			return
		}
		id, err := s.o.Sessions.Lookup(r.Context(), c.Value)
		if errors.Is(err, app.ErrUnauthorized) {
			writeError(w, r, http.StatusUnauthorized, "session expired; log in again")
			return
		}
		if err != nil {
			s.unavailable(w, r, "sessions", err)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), userKey{}, id)))
	}
}

func currentUser(r *http.Request) int64 { id, _ := r.Context().Value(userKey{}).(int64); return id }

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	u, err := s.o.Users.UserByID(r.Context(), currentUser(r))
	if errors.Is(err, app.ErrNotFound) {
		writeError(w, r, http.StatusUnauthorized, "the session's user no longer exists")
		return
	}
	if err != nil {
		s.fail(w, r, "database", err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) updateMe(w http.ResponseWriter, r *http.Request) { s.update(w, r, currentUser(r)) }

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if id != currentUser(r) {
		writeError(w, r, http.StatusForbidden, "you may only change your own profile")
		return
	}
	s.update(w, r, id)
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, id int64) {
	var req profileRequest
	if !s.decode(w, r, &req) {
		return
	}
	var name, bio string
	if req.DisplayName != nil {
		name = *req.DisplayName
	}
	if req.Bio != nil {
		bio = *req.Bio
	}
	switch {
	case req.DisplayName == nil && req.Bio == nil:
		writeError(w, r, http.StatusBadRequest, "nothing to change: send display_name and/or bio")
		return
	case badText("display_name", name, false, true) != "":
		writeError(w, r, http.StatusBadRequest, badText("display_name", name, false, true))
		return
	case badText("bio", bio, true, false) != "":
		writeError(w, r, http.StatusBadRequest, badText("bio", bio, true, false))
		return
	case req.DisplayName != nil && !validDisplayName(*req.DisplayName):
		writeError(w, r, http.StatusBadRequest, "display_name: 1 to 64 characters")
		return
	case req.Bio != nil && utf8.RuneCountInString(*req.Bio) > 500:
		writeError(w, r, http.StatusBadRequest, "bio: at most 500 characters")
		return
	}
	if req.DisplayName != nil {
		trimmed := strings.TrimSpace(*req.DisplayName)
		req.DisplayName = &trimmed
	}
	u, err := s.o.Users.UpdateProfile(r.Context(), id, app.ProfileUpdate{DisplayName: req.DisplayName, Bio: req.Bio})
	if err != nil {
		s.fail(w, r, "database", err)
		return
	}
	// Before answering: the cache holds the new version, and this user's next
	// reads go to the primary for a while, whichever instance serves them.
	s.o.Profiles.Updated(r.Context(), u.Profile())
	s.markOwnWrite(w, r)
	writeJSON(w, http.StatusOK, u)
}

func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, r, http.StatusBadRequest, "id: a positive whole number")
		return 0, false
	}
	return id, true
}

// profileJSON is a ProfileReader that also hands out a profile as the API
// answers it: a cache that holds the JSON (redis.Profiles) serves its bytes
// as they are, instead of decoding them only for writeJSON to encode them
// again. The bytes must be json.Marshal's of the app.Profile.
type profileJSON interface {
	ProfileJSON(ctx context.Context, id int64) ([]byte, error)
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if pj, ok := s.o.Profiles.(profileJSON); ok {
		body, err := pj.ProfileJSON(r.Context(), id)
		if err != nil {
			s.profileFailed(w, r, err)
			return
		}
		writeRawJSON(w, http.StatusOK, body)
		return
	}
	p, err := s.o.Profiles.Profile(r.Context(), id)
	if err != nil {
		s.profileFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) profileFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, app.ErrNotFound) {
		writeError(w, r, http.StatusNotFound, "no such user")
		return
	}
	s.fail(w, r, "database", err)
}
