package logs_test

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/logs"
	"github.com/scalezero/scalezero/graph/record"
)

// A region's log bucket, its objects kept 30 days.
func ExampleNewBucket() {
	record.PrintCensus(func(ctx *pulumi.Context) error {
		_, err := logs.NewBucket(ctx, "logs", &logs.BucketArgs{Region: "us-east-1", LogRetentionDays: 30})
		return err
	})
	// Output:
	// aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2 1
	// aws:s3/bucketOwnershipControls:BucketOwnershipControls 1
	// aws:s3/bucketPolicy:BucketPolicy 1
	// aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock 1
	// aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2 1
	// aws:s3/bucketV2:BucketV2 1
	// aws:s3/bucketVersioningV2:BucketVersioningV2 1
}
