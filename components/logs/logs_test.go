package logs

import (
	"errors"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
	"github.com/scalezero/scalezero/graph/record"
)

// The bucket needs its region (it decides who delivers the load balancers'
// logs), and says so by name.
func TestBadArgsAreNamed(t *testing.T) {
	for _, c := range []struct {
		args *BucketArgs
		arg  string
	}{
		{&BucketArgs{LogRetentionDays: 30}, "Region"},
		{&BucketArgs{Region: "Virginia", LogRetentionDays: 30}, "Region"},
		{&BucketArgs{Region: "us-east-1"}, "LogRetentionDays"},
	} {
		_, err := record.KnownErr(func(ctx *pulumi.Context) error {
			_, err := NewBucket(ctx, "logs", c.args)
			return err
		})
		var ae *shared.ArgError
		if !errors.As(err, &ae) || ae.Arg != c.arg {
			t.Errorf("%+v: %v, want an error naming %s", c.args, err, c.arg)
		}
	}
}

// The principal admits the log-delivery service everywhere, and the ELB
// account only in a region that has one.
func TestLoadBalancerPrincipal(t *testing.T) {
	for region, account := range map[string]string{"us-east-1": "127311923021", "ap-southeast-3": "589379963580", "ap-southeast-4": "", "il-central-1": "", "mx-central-1": ""} {
		p := loadBalancerPrincipal(region)
		if p["Service"] != pulumi.String(LogDeliveryPrincipal) {
			t.Errorf("%s: %v lacks the log-delivery service", region, p)
		}
		got, ok := p["AWS"]
		switch {
		case account == "" && ok:
			t.Errorf("%s names an ELB account %v; the region has none", region, got)
		case account != "" && got != pulumi.String("arn:aws:iam::"+account+":root"):
			t.Errorf("%s: ELB account %v, want %s", region, got, account)
		}
	}
}
