package cloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/scalezero/scalezero/app"
)

// Bucket is one S3 bucket.
type Bucket struct {
	client *s3.Client
	name   string
}

// NewBucket returns the bucket; with an emulator endpoint, objects are
// addressed by path (emulators do not serve bucket subdomains).
func NewBucket(cfg aws.Config, name string) *Bucket {
	return &Bucket{name: name, client: s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = cfg.BaseEndpoint != nil
		// Emulators send no checksums; reads are verified by TLS on AWS anyway.
		o.DisableLogOutputChecksumValidationSkipped = true
	})}
}

// Put stores an object.
func (b *Bucket) Put(ctx context.Context, key, contentType string, body []byte) error {
	_, err := b.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &b.name, Key: &key, Body: bytes.NewReader(body), ContentType: &contentType,
	})
	if err != nil {
		return unavailable("s3 put "+key, err)
	}
	return nil
}

// Get reads an object whole (jobs' objects are small: uploads are capped);
// a missing key is app.ErrNotFound.
func (b *Bucket) Get(ctx context.Context, key string) (body []byte, contentType string, err error) {
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.name, Key: &key})
	var missing *types.NoSuchKey
	if errors.As(err, &missing) {
		return nil, "", fmt.Errorf("s3 get %s: %w", key, app.ErrNotFound)
	}
	if err != nil {
		return nil, "", unavailable("s3 get "+key, err)
	}
	defer out.Body.Close()
	body, err = io.ReadAll(out.Body)
	if err != nil {
		return nil, "", unavailable("s3 get "+key, err)
	}
	return body, aws.ToString(out.ContentType), nil
}
