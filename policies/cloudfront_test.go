package policies_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// The breaking cases of cloudfront.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("cloudfront.rego", map[string]breaker{
	"deny_cloudfront_s3_without_headers": {phase: 5, want: "serves /static/* from S3 without a response headers policy", apply: func(t *testing.T, g *graph.Graph) {
		static := find(t, g, tDist, "cdn").Inputs["orderedCacheBehaviors"].([]any)[0].(map[string]any)
		delete(static, "responseHeadersPolicyId")
	}},
	"stack_deny_cloudfront_certificate": {phase: 5, want: "uses certificate 'cdn' of eu-west-1", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			eu := newResource(tProvider, "secondary", map[string]any{"region": "eu-west-1"}, nil)
			eu.URN, eu.Provider, eu.Custom = "urn:pulumi:dev::scalezero::pulumi:providers:aws::secondary", "", true
			cert := newResource(tCert, "cdn", map[string]any{"domainName": "app.scalezero.dev"}, nil)
			cert.Provider = eu.URN
			val := newResource(tCertVal, "cdn", map[string]any{"certificateArn": graph.Unknown}, map[string][]string{"certificateArn": {cert.URN}})
			d := find(t, g, tDist, "cdn")
			d.Inputs["viewerCertificate"] = map[string]any{"acmCertificateArn": graph.Unknown, "sslSupportMethod": "sni-only", "minimumProtocolVersion": "TLSv1.2_2021"}
			dependOn(d, "viewerCertificate", val.URN)
			add(g, eu, cert, val)
		},
		disable: []string{"stack_deny_validation_before_records"}, // the added validation has no records
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tProvider, "secondary", "region") }},
	"deny_cloudfront_viewer_certificate":    setting(5, tDist, "cdn", "aliases", []any{"www.scalezero.dev"}, "has alternate domain names [\"www.scalezero.dev\"] but only the default certificate"),
	"deny_cloudfront_behaviors":             setting(5, tDist, "cdn", "defaultCacheBehavior.targetOriginId", "nowhere", "the default behavior targets origin 'nowhere'"),
	"deny_cloudfront_comment":               setting(5, tCachePol, "cdn-static", "comment", repeat("c", 200), "has a 200-character comment"),
	"deny_cloudfront_cache_policy_ttl":      setting(5, tCachePol, "cdn-static", "minTtl", 100000, "has minTtl 100000, defaultTtl 86400"),
	"deny_cloudfront_origin_access_control": setting(5, tOAC, "cdn", "signingProtocol", "sigv2", "sets signingProtocol 'sigv2'"),
	"deny_cloudfront_origin_groups": {phase: 5, want: "origin group 'failover' has 1 members", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tDist, "cdn").Inputs["originGroups"] = []any{map[string]any{
				"originId": "failover", "members": []any{map[string]any{"originId": "app"}},
				"failoverCriteria": map[string]any{"statusCodes": []any{500, 502}},
			}}
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tDist, "cdn", "originGroups.0.members") }},
	"stack_deny_cloudfront_log_bucket_acls": {phase: 5, want: "logs to bucket 'cdn', whose ACLs are disabled", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			d := find(t, g, tDist, "cdn")
			d.Inputs["loggingConfig"] = map[string]any{"bucket": graph.Unknown, "prefix": "cdn/"}
			dependOn(d, "loggingConfig", find(t, g, tBucket, "cdn").URN)
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tOwner, "cdn", "rule.objectOwnership") }},
	"deny_cloudfront_http": {phase: 5, want: "plain HTTP", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tDist, "cdn").Inputs["defaultCacheBehavior"].(map[string]any)["viewerProtocolPolicy"] = "allow-all"
	}},
	"deny_cloudfront_s3_without_oac": {phase: 5, want: "without origin access control", apply: func(t *testing.T, g *graph.Graph) {
		origin := find(t, g, tDist, "cdn").Inputs["origins"].([]any)[0].(map[string]any)
		delete(origin, "originAccessControlId")
	}},
})
