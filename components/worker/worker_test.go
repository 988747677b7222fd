package worker_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/fleet"
	"github.com/scalezero/scalezero/components/worker"
	"github.com/scalezero/scalezero/graph/record"
)

func program(min int) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		_, err := worker.New(ctx, "worker", &worker.Args{
			Fleet: fleet.Args{
				VpcID: pulumi.String("vpc-1"), SubnetIDs: pulumi.StringArray{pulumi.String("a")}, ProfileName: pulumi.String("p"),
				InstanceType: "t3.small", UserDataBase64: "eA==", Min: min, Desired: min, Max: 4,
			},
			QueueName: pulumi.String("jobs-1"), BacklogPerInstance: 10,
		})
		return err
	}
}

// Workers track the backlog per instance; from zero, a message waiting
// starts the first one (target tracking cannot divide by no instances).
func TestScalesOnBacklog(t *testing.T) {
	g := record.Known(t, program(0))
	p, ok := g.Named("aws:autoscaling/policy:Policy", "worker-backlog")
	if !ok || p.Get("targetTrackingConfiguration.targetValue") != 10.0 {
		t.Fatalf("backlog policy %v", p.Inputs)
	}
	start, ok := g.Named("aws:autoscaling/policy:Policy", "worker-start")
	alarm, ok2 := g.Named("aws:cloudwatch/metricAlarm:MetricAlarm", "worker-start")
	if !ok || !ok2 || start.Str("adjustmentType") != "ExactCapacity" || !alarm.DependsOn("alarmActions", start.URN) || alarm.Get("threshold") != 1.0 {
		t.Fatalf("start from zero: policy %v, alarm %v", start.Inputs, alarm.Inputs)
	}
	if n := len(record.Known(t, program(1)).OfType("aws:cloudwatch/metricAlarm:MetricAlarm")); n != 0 {
		t.Errorf("a fleet that never reaches zero has %d start alarms", n)
	}
}

// A worker fleet that starts from zero.
func ExampleNew() {
	record.PrintCensus(program(0))
	// Output:
	// aws:autoscaling/group:Group 1
	// aws:autoscaling/policy:Policy 2
	// aws:cloudwatch/metricAlarm:MetricAlarm 1
	// aws:ec2/launchTemplate:LaunchTemplate 1
	// aws:ec2/securityGroup:SecurityGroup 1
	// aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule 1
}
