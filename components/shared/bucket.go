package shared

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Lifecycle says how long a bucket keeps objects.
type Lifecycle struct {
	// ExpireDays deletes objects this long after they were written; 0 keeps them.
	ExpireDays int
	// NoncurrentDays deletes an object's older versions (overwritten or
	// deleted ones) this long after they stopped being current; at least 1.
	NoncurrentDays int
}

// PrivateBucket blocks every kind of public access, enforces bucket-owner
// object ownership, turns on default encryption and versioning, and applies
// the lifecycle (which also removes expired delete markers and abandoned
// multipart uploads, so nothing accumulates unseen).
func PrivateBucket(ctx *pulumi.Context, name string, bucket *s3.BucketV2, life Lifecycle, opts ...pulumi.ResourceOption) error {
	if _, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, opts...); err != nil {
		return err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, opts...); err != nil {
		return err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("AES256"),
			},
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, opts...); err != nil {
		return err
	}
	versioning, err := s3.NewBucketVersioningV2(ctx, name, &s3.BucketVersioningV2Args{
		Bucket:                  bucket.ID(),
		VersioningConfiguration: s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, opts...)
	if err != nil {
		return err
	}
	rule := s3.BucketLifecycleConfigurationV2RuleArgs{
		Id:     pulumi.String("expire"),
		Status: pulumi.String("Enabled"),
		Filter: s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
		NoncurrentVersionExpiration: s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
			NoncurrentDays: pulumi.Int(max(life.NoncurrentDays, 1)),
		},
		AbortIncompleteMultipartUpload: s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
			DaysAfterInitiation: pulumi.Int(1),
		},
	}
	if life.ExpireDays > 0 {
		rule.Expiration = s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(life.ExpireDays)}
	} else {
		rule.Expiration = s3.BucketLifecycleConfigurationV2RuleExpirationArgs{ExpiredObjectDeleteMarker: pulumi.Bool(true)}
	}
	// S3 applies a lifecycle configuration to a versioned bucket once
	// versioning is on; declared together they race.
	_, err = s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules:  s3.BucketLifecycleConfigurationV2RuleArray{rule},
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{versioning}))...)
	return err
}

// DenyInsecureTransport is the bucket-policy statement that refuses plain HTTP.
func DenyInsecureTransport(bucketARN pulumi.StringOutput) pulumi.Map {
	return pulumi.Map{
		"Sid":       pulumi.String("DenyInsecureTransport"),
		"Effect":    pulumi.String("Deny"),
		"Principal": pulumi.String("*"),
		"Action":    pulumi.String("s3:*"),
		"Resource":  pulumi.StringArray{bucketARN, pulumi.Sprintf("%s/*", bucketARN)},
		"Condition": pulumi.Map{"Bool": pulumi.Map{"aws:SecureTransport": pulumi.String("false")}},
	}
}
