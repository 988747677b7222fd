package appconfig_test

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/appconfig"
	"github.com/scalezero/scalezero/graph/record"
)

// Two settings and a secret, as SSM parameters under one path.
func ExampleNew() {
	g, err := record.KnownErr(func(ctx *pulumi.Context) error {
		_, err := appconfig.New(ctx, "app-config", &appconfig.Args{Path: "/scalezero/dev/",
			Values:  map[string]pulumi.StringInput{"SCALEZERO_REGION": pulumi.String("us-east-1"), "SCALEZERO_SESSIONS_SHARED": pulumi.String("true")},
			Secrets: map[string]pulumi.StringInput{"SCALEZERO_CACHE_PASSWORD": pulumi.String("s3cret")}})
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range g.OfType("aws:ssm/parameter:Parameter") {
		fmt.Println(r.Str("name"), r.Str("type"))
	}
	// Output:
	// /scalezero/dev/SCALEZERO_CACHE_PASSWORD SecureString
	// /scalezero/dev/SCALEZERO_REGION String
	// /scalezero/dev/SCALEZERO_SESSIONS_SHARED String
}
