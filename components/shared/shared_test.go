package shared_test

import (
	"fmt"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
	"github.com/scalezero/scalezero/graph/record"
)

func bucket(life shared.Lifecycle) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		b, err := s3.NewBucketV2(ctx, "logs", &s3.BucketV2Args{})
		if err != nil {
			return err
		}
		return shared.PrivateBucket(ctx, "logs", b, life)
	}
}

// A private bucket blocks every kind of public access, owns its objects
// (no ACLs), encrypts and versions them, and expires old versions.
func TestPrivateBucket(t *testing.T) {
	g := record.Known(t, bucket(shared.Lifecycle{NoncurrentDays: 30, ExpireDays: 90}))
	pab, _ := g.Named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "logs")
	for _, p := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		if pab.Get(p) != true {
			t.Errorf("%s = %v", p, pab.Get(p))
		}
	}
	own, _ := g.Named("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "logs")
	if own.Str("rule.objectOwnership") != "BucketOwnerEnforced" {
		t.Errorf("ownership %v", own.Get("rule"))
	}
	ver, _ := g.Named("aws:s3/bucketVersioningV2:BucketVersioningV2", "logs")
	if ver.Str("versioningConfiguration.status") != "Enabled" {
		t.Errorf("versioning %v", ver.Get("versioningConfiguration"))
	}
	life, _ := g.Named("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "logs")
	if life.Get("rules.0.noncurrentVersionExpiration.noncurrentDays") != 30.0 || life.Get("rules.0.expiration.days") != 90.0 {
		t.Errorf("lifecycle %v", life.Get("rules"))
	}
	if len(g.OfType("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")) != 1 {
		t.Error("objects are not encrypted by default")
	}
}

// Subnet carves the index-th block of newBits more bits.
func TestSubnet(t *testing.T) {
	for _, c := range []struct {
		cidr        string
		bits, index int
		want        string
	}{
		{"10.0.0.0/16", 5, 0, "10.0.0.0/21"},
		{"10.0.0.0/16", 5, 17, "10.0.136.0/21"},
		{"10.1.0.0/20", 5, 31, "10.1.15.128/25"},
		{"10.0.0.0/16", 5, 32, ""}, // out of the block
		{"10.0.0.0/24", 5, 0, ""},  // smaller than /28
	} {
		t.Run(fmt.Sprintf("%s+%d#%d", c.cidr, c.bits, c.index), func(t *testing.T) {
			got, err := shared.Subnet(c.cidr, c.bits, c.index)
			if got != c.want || (err != nil) != (c.want == "") {
				t.Errorf("%q, %v; want %q", got, err, c.want)
			}
		})
	}
}

// What a private bucket adds to a bucket.
func ExamplePrivateBucket() {
	record.PrintCensus(bucket(shared.Lifecycle{NoncurrentDays: 30}))
	// Output:
	// aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2 1
	// aws:s3/bucketOwnershipControls:BucketOwnershipControls 1
	// aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock 1
	// aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2 1
	// aws:s3/bucketV2:BucketV2 1
	// aws:s3/bucketVersioningV2:BucketVersioningV2 1
}
