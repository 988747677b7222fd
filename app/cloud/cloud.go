// Package cloud talks to the AWS services of the job tier (phase 8): the SQS
// queue that carries job ids and the S3 bucket that holds job input and
// output. On AWS the instance role's credentials are used; Endpoint points
// both clients at an emulator (LocalStack, fauxqs) instead.
package cloud

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/scalezero/scalezero/app"
)

// Options locate the services.
type Options struct {
	Region   string // empty: the SDK's default chain (AWS_REGION, instance metadata)
	Endpoint string // empty: AWS itself
}

// Config loads the SDK configuration: the default credential chain (the
// instance profile on the hosts), with a region and endpoint when given.
func Config(ctx context.Context, o Options) (aws.Config, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if o.Region != "" {
		opts = append(opts, awsconfig.WithRegion(o.Region))
	}
	if o.Endpoint != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(o.Endpoint))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("aws config: %w", err)
	}
	if cfg.Region == "" {
		return cfg, errors.New("aws config: no region: set region (SCALEZERO_REGION) or AWS_REGION")
	}
	return cfg, nil
}

// unavailable wraps an error from a service call: a refusal by the service
// itself (an API error: access denied, no such queue) is reported as it is,
// anything else (connection refused, timeouts, and the service's own 5xx
// answers, as a region in an outage gives) as app.ErrUnavailable, which
// callers may retry later.
func unavailable(what string, err error) error {
	var apiErr smithy.APIError
	var resp *smithyhttp.ResponseError
	if errors.As(err, &apiErr) && !(errors.As(err, &resp) && resp.HTTPStatusCode() >= 500) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w: %w", what, app.ErrUnavailable, err)
}
