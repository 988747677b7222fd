// Package http is the app's web layer: the JSON API, the demo page, static
// assets, health and readiness, with request ids, JSON logs and a graceful
// drain. Metrics are not served here: see service.ServeMetrics.
package http

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/assets"
	"github.com/scalezero/scalezero/app/jobs"
	"github.com/scalezero/scalezero/app/memory"
	"github.com/scalezero/scalezero/app/metrics"
	"github.com/scalezero/scalezero/app/password"
)

// Options configure a Server.
type Options struct {
	Users    app.UserStore
	Profiles app.ProfileReader
	Sessions app.SessionStore
	Metrics  *metrics.Metrics
	Logger   *slog.Logger

	MaxBodyBytes   int64
	CookieSecure   string          // auto | always | never
	ReadYourWrites time.Duration   // how long after a write a user's reads go to the primary
	WritesPaused   bool            // every write answers 503 (a planned switchover)
	CDNBaseURL     string          // where /static/* is served from; empty: this server
	Jobs           *jobs.Submitter // nil before phase 8
	MaxUploadBytes int64
	Region         string
	PasswordParams password.Params
	Login          LoginLimits
	JobLimits      JobLimits
	// Throttle counts login attempts; shared through Redis from phase 6.
	// Default: per instance.
	Throttle app.Throttle
	// CookieKeys sign the read-your-writes cookie: the first signs, all
	// verify. None: a key of this process only (see New).
	CookieKeys [][]byte
	// Request logs (see logLevel): every 5xx and every request slower than
	// LogSlow (0: none counts as slow) is logged, and LogSampleRate (0 to
	// 1) of the rest.
	LogSampleRate float64
	LogSlow       time.Duration
}

// Server serves the app.
type Server struct {
	o        Options
	draining atomic.Bool
	assets   map[string]assets.Asset // by hashed name
	urls     map[string]string       // plain name -> URL
	page     *template.Template
	handler  http.Handler
	// decoyHash is verified when a login names no account (see login).
	decoyHash string
	hashSlots chan struct{}
	ryw       ownWrites
	// ephemeralKey: no CookieKeys were given, the process made its own.
	ephemeralKey bool
}

// EphemeralCookieKey reports that the read-your-writes cookie is signed with
// a key of this process only (no cookie_keys): other instances ignore it.
func (s *Server) EphemeralCookieKey() bool { return s.ephemeralKey }

// New builds the server and its routes.
func New(o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = 64 << 10
	}
	if o.MaxUploadBytes == 0 {
		o.MaxUploadBytes = 4 << 20
	}
	if o.PasswordParams == (password.Params{}) {
		o.PasswordParams = password.Default
	}
	o.Login.defaults(runtime.GOMAXPROCS(0))
	o.JobLimits.defaults()
	if o.Throttle == nil {
		o.Throttle = memory.NewThrottle()
	}
	ephemeral := len(o.CookieKeys) == 0
	if ephemeral {
		o.CookieKeys = [][]byte{newCookieKey()}
	}
	s := &Server{o: o, assets: map[string]assets.Asset{}, urls: map[string]string{},
		hashSlots: make(chan struct{}, o.Login.MaxHashing), ryw: ownWrites{keys: o.CookieKeys, window: o.ReadYourWrites},
		ephemeralKey: ephemeral}
	var err error
	if s.decoyHash, err = password.Hash("decoy: no account has this password", o.PasswordParams); err != nil {
		return nil, err
	}
	all, err := assets.All()
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		s.assets[a.Hashed] = a
		s.urls[a.Name] = o.CDNBaseURL + "/" + a.Key()
	}
	s.page, err = template.New("page").Funcs(template.FuncMap{"asset": func(name string) string { return s.urls[name] }}).Parse(pageHTML)
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("GET /static/{file}", s.static)
	mux.HandleFunc("POST /api/signup", s.writes(s.signup))
	mux.HandleFunc("POST /api/login", s.login)
	mux.HandleFunc("POST /api/logout", s.logout)
	mux.HandleFunc("GET /api/me", s.authed(s.me))
	mux.HandleFunc("PUT /api/me", s.writes(s.authed(s.updateMe)))
	mux.HandleFunc("GET /api/users/{id}", s.profile)
	mux.HandleFunc("PUT /api/users/{id}", s.writes(s.authed(s.updateUser)))
	mux.HandleFunc("POST /api/me/avatar", s.writes(s.authed(s.uploadAvatar)))
	mux.HandleFunc("GET /api/jobs/{id}", s.authed(s.job))
	mux.HandleFunc("GET /api/jobs/{id}/output", s.authed(s.jobOutput))
	s.handler = s.observe(s.securityHeaders(mux))
	return s, nil
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Drain makes /readyz fail, so load balancers stop sending new requests.
func (s *Server) Drain() { s.draining.Store(true) }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "alive", "region": s.o.Region})
}

// readyz says whether this instance can serve. A primary restart is not a
// reason to leave the load balancer: every instance shares that primary, so
// failing readiness would take the whole fleet out at once, reads included,
// while the replicas could serve them. Writes answer 503 meanwhile.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false, "reason": "draining"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	h := s.o.Users.Health(ctx)
	if !h.Reads {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false, "reason": "database unreachable", "database": h})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ready": true, "database": h})
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.page.Execute(w, map[string]string{"Region": s.o.Region}); err != nil {
		s.o.Logger.Error("render page", "error", err, "request_id", requestID(w))
	}
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	a, ok := s.assets[r.PathValue("file")]
	if !ok {
		writeError(w, r, http.StatusNotFound, "no such asset")
		return
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Cache-Control", assets.CacheControl)
	w.Write(a.Body)
}

const pageHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>scalezero</title>
<link rel="stylesheet" href="{{asset "app.css"}}">
</head>
<body>
<h1>scalezero</h1>
<p>Served from {{if .Region}}{{.Region}}{{else}}this host{{end}}.</p>
<form id="signup"><h2>Sign up</h2>
  <input name="email" type="email" placeholder="email" required>
  <input name="display_name" placeholder="display name" required>
  <input name="password" type="password" placeholder="password (10+ characters)" required>
  <button>Sign up</button></form>
<form id="login"><h2>Log in</h2>
  <input name="email" type="email" placeholder="email" required>
  <input name="password" type="password" placeholder="password" required>
  <button>Log in</button></form>
<form id="profile"><h2>Your profile</h2>
  <input name="display_name" placeholder="display name">
  <textarea name="bio" placeholder="bio"></textarea>
  <button>Save</button></form>
<form id="avatar"><h2>Your avatar (phase 8: made by the worker fleet)</h2>
  <input name="picture" type="file" accept="image/png,image/jpeg,image/gif" required>
  <button>Upload</button></form>
<p><img id="avatar-img" alt="your avatar" width="128" height="128" hidden></p>
<p><button id="whoami">Who am I?</button> <button id="logout">Log out</button></p>
<pre id="status"></pre>
<script src="{{asset "app.js"}}"></script>
</body>
</html>
`
