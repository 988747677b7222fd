package http_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/app/assets"
	"github.com/scalezero/scalezero/app/config"
)

// headersOf answers each kind of response the site gives: the page, an
// API answer, an API error, an asset, an unknown route, a wrong method.
func headersOf(t *testing.T, base string, client *http.Client, set map[string]string) map[string]http.Header {
	t.Helper()
	out := map[string]http.Header{}
	for name, req := range map[string][2]string{
		"page":         {"GET", "/"},
		"api":          {"GET", "/healthz"},
		"api error":    {"GET", "/api/me"},
		"asset":        {"GET", "/" + cssKey(t)},
		"unknown":      {"GET", "/no/such/route"},
		"wrong method": {"DELETE", "/api/login"},
	} {
		r, _ := http.NewRequest(req[0], base+req[1], nil)
		for k, v := range set {
			r.Header.Set(k, v)
		}
		res, err := client.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if name == "asset" && res.StatusCode != http.StatusOK {
			t.Fatalf("asset %s: %d", req[1], res.StatusCode)
		}
		out[name] = res.Header
	}
	return out
}

// cssKey is the stylesheet's content-hashed path.
func cssKey(t *testing.T) string {
	all, err := assets.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		if a.Name == "app.css" {
			return a.Key()
		}
	}
	t.Fatal("no app.css")
	return ""
}

func TestContentSecurityPolicyForbidsFramingAndInlineCode(t *testing.T) {
	s := newSite(t, func(c *config.Config) { c.CDNBaseURL = "https://d111.cloudfront.net/" })
	for kind, h := range headersOf(t, s.srv.URL, http.DefaultClient, nil) {
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "script-src 'self' https://d111.cloudfront.net;", "style-src 'self' https://d111.cloudfront.net;", "connect-src 'self'", "base-uri 'none'"} {
			if !strings.Contains(csp+";", want) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", kind, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: Content-Security-Policy %q allows inline code", kind, csp)
		}
	}
}

func TestContentTypeOptionsNoSniff(t *testing.T) {
	s := newSite(t, nil)
	for kind, h := range headersOf(t, s.srv.URL, http.DefaultClient, nil) {
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q, want nosniff", kind, got)
		}
	}
}

func TestFrameOptionsDeny(t *testing.T) {
	s := newSite(t, nil)
	for kind, h := range headersOf(t, s.srv.URL, http.DefaultClient, nil) {
		if got := h.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options %q, want DENY", kind, got)
		}
	}
}

func TestReferrerPolicySameOrigin(t *testing.T) {
	s := newSite(t, nil)
	for kind, h := range headersOf(t, s.srv.URL, http.DefaultClient, nil) {
		if got := h.Get("Referrer-Policy"); got != "same-origin" {
			t.Errorf("%s: Referrer-Policy %q, want same-origin", kind, got)
		}
	}
}

// HSTS goes with answers to HTTPS requests only: over TLS to the app, or
// through proxies that say so (X-Forwarded-Proto, believed only when
// proxy_hops says there are proxies; the nearest proxy's value counts).
func TestStrictTransportSecurityOverHTTPSOnly(t *testing.T) {
	const want = "max-age=31536000; includeSubDomains"
	behind := newSite(t, func(c *config.Config) { c.ProxyHops = 1 })
	direct := newSite(t, nil)
	tlsSrv := httptest.NewTLSServer(direct.svc.HTTP)
	t.Cleanup(tlsSrv.Close)
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for _, c := range []struct {
		name   string
		base   string
		client *http.Client
		set    map[string]string
		hsts   bool
	}{
		{"TLS to the app", tlsSrv.URL, insecure, nil, true},
		{"HTTPS at the proxy", behind.srv.URL, http.DefaultClient, map[string]string{"X-Forwarded-Proto": "https"}, true},
		{"HTTP at the proxy", behind.srv.URL, http.DefaultClient, map[string]string{"X-Forwarded-Proto": "http"}, false},
		{"a client's https before the proxy's http", behind.srv.URL, http.DefaultClient, map[string]string{"X-Forwarded-Proto": "https, http"}, false},
		{"plain HTTP", direct.srv.URL, http.DefaultClient, nil, false},
		{"a client's X-Forwarded-Proto without proxies", direct.srv.URL, http.DefaultClient, map[string]string{"X-Forwarded-Proto": "https"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			for kind, h := range headersOf(t, c.base, c.client, c.set) {
				got := h.Get("Strict-Transport-Security")
				if c.hsts && got != want || !c.hsts && got != "" {
					t.Errorf("%s: Strict-Transport-Security %q, want %v", kind, got, c.hsts)
				}
			}
		})
	}
}
