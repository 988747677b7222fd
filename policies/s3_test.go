package policies_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// The breaking cases of s3.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("s3.rego", map[string]breaker{
	"deny_s3_bucket_name":                     setting(5, tBucket, "cdn", "bucket", "Static_Assets", "gets the name 'Static_Assets'"),
	"stack_deny_versioned_bucket_undeletable": setting(5, tBucket, "cdn", "forceDestroy", false, "bucket 'cdn' is versioned and has no forceDestroy"),
	"deny_s3_object_key": {phase: 5, want: "has a 1100-byte key", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			firstOf(t, g, tObject).Inputs["key"] = "static/" + repeat("k", 1093)
		},
		unknown: func(t *testing.T, g *graph.Graph) { firstOf(t, g, tObject).Inputs["key"] = graph.Unknown }},
	"deny_s3_bucket_policy_size": setting(5, tBPolicy, "cdn", "policy", `{"Version":"2012-10-17","Statement":[{"Sid":"`+repeat("S", 21000)+`","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}`, "bytes; S3 allows 20 KB"),
	"stack_deny_public_policy_blocked": {phase: 5, want: "allows public access to 'cdn'", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tBPolicy, "cdn").Inputs["policy"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::x/*"}]}`
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tPAB, "cdn", "blockPublicPolicy") }},
	"stack_deny_acl_on_owner_enforced_bucket": {phase: 5, want: "sets acl public-read in bucket 'cdn'", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			firstOf(t, g, tObject).Inputs["acl"] = "public-read"
		},
		unknown: func(t *testing.T, g *graph.Graph) { firstOf(t, g, tObject).Inputs["acl"] = graph.Unknown }},
	"deny_s3_encryption_key": {phase: 5, want: "names a KMS key with algorithm AES256", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			put(t, find(t, g, tSSE, "cdn"), "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId", "alias/aws/s3")
		},
		unknown: func(t *testing.T, g *graph.Graph) {
			unknownAt(t, g, tSSE, "cdn", "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm")
		}},
	"deny_s3_lifecycle_rules": setting(5, tLifecyc, "cdn", "rules.0.noncurrentVersionExpiration.noncurrentDays", 0, "expires after 0 days (noncurrentVersionExpiration)"),
	"stack_deny_lifecycle_before_versioning": {phase: 5, want: "has noncurrent-version rules but does not depend on versioning 'cdn' of bucket 'cdn'", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			lc, versioning := find(t, g, tLifecyc, "cdn"), find(t, g, tVersion, "cdn")
			keep := lc.Dependencies[:0]
			for _, u := range lc.Dependencies {
				if u != versioning.URN {
					keep = append(keep, u)
				}
			}
			lc.Dependencies = keep
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tLifecyc, "cdn", "rules") }},
	"deny_s3_public_access": {phase: 5, want: "blockPublicPolicy off", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tPAB, "cdn").Inputs["blockPublicPolicy"] = false
	}},
	"deny_s3_unencrypted": {phase: 5, want: "no default algorithm", apply: func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tSSE, "cdn")
		r.Inputs["rules"] = []any{map[string]any{"bucketKeyEnabled": true}}
	}},
	"stack_deny_bucket_unprotected": {phase: 5, want: "BucketPublicAccessBlock", apply: func(t *testing.T, g *graph.Graph) {
		drop(g, tPAB, "cdn")
	}},
})
