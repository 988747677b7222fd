// Package worker builds the fleet that consumes the job queue: hosts in the
// private subnets with no inbound rule at all, scaled by target tracking on the
// backlog per instance (visible messages / in-service instances), the metric
// AWS recommends for queue consumers.
package worker

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/fleet"
	"github.com/scalezero/scalezero/components/shared"
)

// Args configure a Worker.
type Args struct {
	Fleet fleet.Args
	// QueueName is the queue whose backlog drives scaling.
	QueueName pulumi.StringInput
	// BacklogPerInstance is how many visible messages one worker may have waiting.
	BacklogPerInstance int
}

// Worker is the component.
type Worker struct {
	pulumi.ResourceState

	Fleet         *fleet.Fleet
	ScalingPolicy *autoscaling.Policy

	SecurityGroupID pulumi.StringOutput
}

// New creates the fleet and its scaling policy.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Worker, error) {
	if args == nil || args.QueueName == nil || args.BacklogPerInstance < 1 {
		return nil, &shared.ArgError{Component: "worker", Arg: "QueueName/BacklogPerInstance", Value: "missing", Allowed: "a queue name and a backlog of at least 1"}
	}
	w := &Worker{}
	if err := ctx.RegisterComponentResource(shared.Project+":worker:Worker", name, w, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(w)
	var err error
	fa := args.Fleet
	if w.Fleet, err = fleet.New(ctx, name+"-fleet", &fa, child); err != nil {
		return nil, err
	}
	metric := func(id, namespace, metricName, dimension string, value pulumi.StringInput, stat string) autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricArgs {
		return autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricArgs{
			Id: pulumi.String(id),
			MetricStat: autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricMetricStatArgs{
				Metric: autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricMetricStatMetricArgs{
					Namespace:  pulumi.String(namespace),
					MetricName: pulumi.String(metricName),
					Dimensions: autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricMetricStatMetricDimensionArray{
						autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricMetricStatMetricDimensionArgs{
							Name: pulumi.String(dimension), Value: value,
						},
					},
				},
				Stat: pulumi.String(stat),
			},
			ReturnData: pulumi.Bool(false),
		}
	}
	if w.ScalingPolicy, err = autoscaling.NewPolicy(ctx, name+"-backlog", &autoscaling.PolicyArgs{
		AutoscalingGroupName: w.Fleet.Group.Name,
		PolicyType:           pulumi.String("TargetTrackingScaling"),
		TargetTrackingConfiguration: autoscaling.PolicyTargetTrackingConfigurationArgs{
			TargetValue: pulumi.Float64(float64(args.BacklogPerInstance)),
			CustomizedMetricSpecification: autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationArgs{
				Metrics: autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricArray{
					metric("visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", args.QueueName, "Sum"),
					metric("instances", "AWS/AutoScaling", "GroupInServiceInstances", "AutoScalingGroupName", w.Fleet.Group.Name, "Average"),
					autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricArgs{
						Id:         pulumi.String("backlog_per_instance"),
						Expression: pulumi.String("visible / instances"),
						Label:      pulumi.String("backlog per instance"),
						ReturnData: pulumi.Bool(true),
					},
				},
			},
		},
	}, child); err != nil {
		return nil, err
	}
	w.SecurityGroupID = w.Fleet.SecurityGroupID
	return w, ctx.RegisterResourceOutputs(w, pulumi.Map{
		"groupName":       w.Fleet.GroupName,
		"securityGroupId": w.SecurityGroupID,
	})
}
