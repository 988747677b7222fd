package http

import (
	"net/http"
	"net/url"
	"strings"
)

// hstsValue asks browsers to use HTTPS only, for a year, on every
// subdomain too (the site has no plain-HTTP part to keep).
const hstsValue = "max-age=31536000; includeSubDomains"

// contentSecurityPolicy allows the page its own scripts, styles and images
// (from the CDN when there is one) and its calls to the API, nothing
// inline, no plugins, and no framing by any site: the login and profile
// forms cannot be overlaid by another page (clickjacking).
func contentSecurityPolicy(cdnBaseURL string) string {
	assets := "'self'"
	if u, err := url.Parse(cdnBaseURL); err == nil && u.Scheme != "" && u.Host != "" {
		assets += " " + u.Scheme + "://" + u.Host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + assets,
		"style-src " + assets,
		"img-src " + assets,
		"connect-src 'self'",
		"form-action 'self'",
		"base-uri 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// securityHeaders sets, on every answer (pages, API, assets, errors), what
// tells a browser to treat it strictly: the policy above, no content-type
// sniffing, no framing (X-Frame-Options for browsers without
// frame-ancestors), no referrer to other sites, and HSTS when the request
// came over HTTPS: to this server, or to the proxies in front of it as they
// say (X-Forwarded-Proto, believed only when proxy_hops says there are
// some). Over plain HTTP, browsers ignore HSTS.
//
// The values are made once and shared by every answer (one slice each,
// capacity 1, so a handler's Add copies instead of writing into it), rather
// than allocated per answer by Header.Set.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	one := func(v string) []string { return []string{v}[:1:1] }
	csp, nosniff, deny, sameOrigin, hsts, noStore := one(contentSecurityPolicy(s.o.CDNBaseURL)), one("nosniff"), one("DENY"), one("same-origin"), one(hstsValue), one("no-store")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Security-Policy"] = csp
		h["X-Content-Type-Options"] = nosniff
		h["X-Frame-Options"] = deny
		h["Referrer-Policy"] = sameOrigin
		if s.overHTTPS(r) {
			h["Strict-Transport-Security"] = hsts
		}
		// Nothing the app answers may be stored by a browser or a cache
		// (a session's own data, a 404 for an id about to exist) unless the
		// handler says otherwise: hashed assets and a job's output do.
		h["Cache-Control"] = noStore
		next.ServeHTTP(w, r)
	})
}

// overHTTPS reports whether the client reached us over HTTPS. The proxy
// nearest to us writes the last X-Forwarded-Proto value.
func (s *Server) overHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if s.o.Login.ProxyHops <= 0 {
		return false
	}
	vals := r.Header.Values("X-Forwarded-Proto")
	if len(vals) == 0 {
		return false
	}
	parts := strings.Split(vals[len(vals)-1], ",")
	return strings.EqualFold(strings.TrimSpace(parts[len(parts)-1]), "https")
}
