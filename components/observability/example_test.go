package observability_test

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/observability"
	"github.com/scalezero/scalezero/graph/record"
)

// A region's dashboard, log group and alarms for a load balancer, a
// database and the web fleet, whose group's name is an output (in the
// stack, one that resolves once the fleet exists).
func ExampleNew() {
	record.PrintCensus(func(ctx *pulumi.Context) error {
		_, err := observability.New(ctx, "observability", &observability.Args{
			Region: "us-east-1", DashboardName: "scalezero-dev", LogGroups: []string{"web"}, LogGroupPath: "/scalezero/dev/", LogRetentionDays: 30,
			LoadBalancers: []observability.LoadBalancer{{Name: "web", ARNSuffix: pulumi.String("app/web/1"), TargetGroupARNSuffix: pulumi.String("targetgroup/web/2")}},
			Databases:     []observability.Database{{Name: "db", Identifier: pulumi.String("db-1"), StorageGiB: 20}},
			Fleets:        []observability.Fleet{{Name: "web", Service: "web", GroupName: pulumi.String("web-fleet").ToStringOutput()}},
		})
		return err
	})
	// Output:
	// aws:cloudwatch/dashboard:Dashboard 1
	// aws:cloudwatch/logGroup:LogGroup 1
	// aws:cloudwatch/metricAlarm:MetricAlarm 4
	// aws:kms/key:Key 1
	// aws:sns/topic:Topic 1
}
