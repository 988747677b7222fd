package observability_test

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/observability"
	"github.com/scalezero/scalezero/graph/record"
)

// A region's dashboard, log groups and alarms for a load balancer and a
// database, before the fleets exist.
func ExampleNew() {
	record.PrintCensus(func(ctx *pulumi.Context) error {
		_, err := observability.New(ctx, "observability", &observability.Args{
			Region: "us-east-1", DashboardName: "scalezero-dev", LogGroups: []string{"web"}, LogGroupPath: "/scalezero/dev/", LogRetentionDays: 30,
			LoadBalancers: []observability.LoadBalancer{{Name: "web", ARNSuffix: pulumi.String("app/web/1"), TargetGroupARNSuffix: pulumi.String("targetgroup/web/2")}},
			Databases:     []observability.Database{{Name: "db", Identifier: pulumi.String("db-1"), StorageGiB: 20}},
		})
		return err
	})
	// Output:
	// aws:cloudwatch/logGroup:LogGroup 1
	// aws:cloudwatch/metricAlarm:MetricAlarm 4
	// aws:kms/key:Key 1
	// aws:sns/topic:Topic 1
}
