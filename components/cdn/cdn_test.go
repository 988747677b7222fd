package cdn_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/cdn"
	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/record"
)

func args() *cdn.Args {
	return &cdn.Args{
		OriginDomain: pulumi.String("web-1.us-east-1.elb.amazonaws.com"), PriceClass: "PriceClass_100",
		MinTTL: 0, DefaultTTL: 86400, MaxTTL: 31536000,
		Objects: []cdn.Object{{Key: "static/app.3f2a9c1e.css", ContentType: "text/css", Body: "body{}", CacheControl: "public, max-age=31536000, immutable"}},
	}
}

func build(t *testing.T) *graph.Graph {
	t.Helper()
	return record.Known(t, func(ctx *pulumi.Context) error {
		_, err := cdn.New(ctx, "cdn", args())
		return err
	})
}

// The bucket is private: CloudFront reads it through an origin access
// control, and the bucket policy admits that one distribution only.
func TestOriginAccessControl(t *testing.T) {
	g := build(t)
	oac, ok := g.Named("aws:cloudfront/originAccessControl:OriginAccessControl", "cdn")
	if !ok || oac.Str("signingBehavior") != "always" || oac.Str("signingProtocol") != "sigv4" {
		t.Fatalf("origin access control %+v, want one signing every request", oac.Inputs)
	}
	dist, _ := g.Named("aws:cloudfront/distribution:Distribution", "cdn")
	origins, _ := dist.Get("origins").([]any)
	signed := 0
	for _, o := range origins {
		if id, _ := o.(map[string]any)["originAccessControlId"].(string); id != "" {
			signed++
		}
	}
	if signed != 1 || !dist.DependsOn("origins", oac.URN) {
		t.Errorf("%d origins read through the access control, want the bucket's", signed)
	}

	pol, ok := g.Named("aws:s3/bucketPolicy:BucketPolicy", "cdn")
	if !ok || !pol.DependsOn("policy", dist.URN) {
		t.Fatal("the bucket policy is not written against the distribution")
	}
	var doc struct {
		Statement []struct {
			Effect    string
			Principal any
			Action    any
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(pol.Str("policy")), &doc); err != nil {
		t.Fatal(err)
	}
	allows := 0
	for _, s := range doc.Statement {
		if s.Effect != "Allow" {
			continue
		}
		allows++
		arn := s.Condition["StringEquals"]["AWS:SourceArn"]
		if s.Action != "s3:GetObject" || !strings.HasPrefix(arn, "arn:aws:cloudfront::"+record.Account+":distribution/") {
			t.Errorf("allow %v of %v conditioned on %q, want s3:GetObject by this distribution", s.Action, s.Principal, arn)
		}
	}
	if allows != 1 {
		t.Errorf("%d allow statements, want 1", allows)
	}
}

// Viewers are sent to HTTPS on every path.
func TestHTTPSOnly(t *testing.T) {
	dist, _ := build(t).Named("aws:cloudfront/distribution:Distribution", "cdn")
	if p := dist.Str("defaultCacheBehavior.viewerProtocolPolicy"); p != "redirect-to-https" {
		t.Errorf("default behaviour %q", p)
	}
	if p := dist.Str("orderedCacheBehaviors.0.viewerProtocolPolicy"); p != "redirect-to-https" {
		t.Errorf("/static/* behaviour %q", p)
	}
}

// A distribution in front of the load balancer, with one static object.
func ExampleNew() {
	record.PrintCensus(func(ctx *pulumi.Context) error {
		_, err := cdn.New(ctx, "cdn", args())
		return err
	})
	// Output:
	// aws:cloudfront/cachePolicy:CachePolicy 1
	// aws:cloudfront/distribution:Distribution 1
	// aws:cloudfront/originAccessControl:OriginAccessControl 1
	// aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy 2
	// aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2 1
	// aws:s3/bucketObjectv2:BucketObjectv2 1
	// aws:s3/bucketOwnershipControls:BucketOwnershipControls 1
	// aws:s3/bucketPolicy:BucketPolicy 1
	// aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock 1
	// aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2 1
	// aws:s3/bucketV2:BucketV2 1
	// aws:s3/bucketVersioningV2:BucketVersioningV2 1
}
