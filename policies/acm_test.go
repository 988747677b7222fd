package policies_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// The breaking cases of acm.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("acm.rego", map[string]breaker{
	"deny_acm_certificate": added(3, newResource(tCert, "web", map[string]any{"domainName": "a.*.scalezero.dev", "validationMethod": "DNS"}, nil), "domainName", "names a.*.scalezero.dev; a wildcard stands only as the leftmost label"),
	"stack_deny_validation_before_records": {phase: 3, want: "does not wait for any Route 53 validation record of certificate 'web'", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			cert := newResource(tCert, "web", map[string]any{"domainName": "app.scalezero.dev", "validationMethod": "DNS"}, nil)
			add(g, cert, newResource(tCertVal, "web", map[string]any{"certificateArn": graph.Unknown}, map[string][]string{"certificateArn": {cert.URN}}))
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tCert, "web", "validationMethod") }},
})
