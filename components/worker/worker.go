// Package worker builds the fleet that consumes the job queue: hosts in the
// private subnets with no inbound rule at all, scaled by target tracking on the
// backlog per instance (visible messages / in-service instances), the metric
// AWS recommends for queue consumers. A fleet allowed to shrink to zero
// (Min 0) gets a second policy: backlog per instance has no instance to
// divide by at zero, so target tracking could never start the first worker;
// an alarm on "messages visible and no worker in service" sets the fleet to
// one, and target tracking takes over from there (as CDK's queue-processing
// pattern does with a step policy on visible messages).
package worker

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
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
	// StartPolicy and StartAlarm start the first worker (Min 0 only).
	StartPolicy *autoscaling.Policy
	StartAlarm  *cloudwatch.MetricAlarm

	SecurityGroupID pulumi.StringOutput
	GroupName       pulumi.StringOutput // the Auto Scaling group
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
	if args.Fleet.Min == 0 {
		if err := w.startFromZero(ctx, name, args.QueueName, child); err != nil {
			return nil, err
		}
	}
	w.SecurityGroupID = w.Fleet.SecurityGroupID
	w.GroupName = w.Fleet.GroupName
	return w, ctx.RegisterResourceOutputs(w, pulumi.Map{
		"groupName":       w.Fleet.GroupName,
		"securityGroupId": w.SecurityGroupID,
	})
}

func (w *Worker) startFromZero(ctx *pulumi.Context, name string, queueName pulumi.StringInput, opt pulumi.ResourceOption) error {
	var err error
	if w.StartPolicy, err = autoscaling.NewPolicy(ctx, name+"-start", &autoscaling.PolicyArgs{
		AutoscalingGroupName: w.Fleet.Group.Name,
		PolicyType:           pulumi.String("StepScaling"),
		AdjustmentType:       pulumi.String("ExactCapacity"),
		StepAdjustments: autoscaling.PolicyStepAdjustmentArray{autoscaling.PolicyStepAdjustmentArgs{
			MetricIntervalLowerBound: pulumi.String("0"),
			ScalingAdjustment:        pulumi.Int(1),
		}},
	}, opt); err != nil {
		return err
	}
	stat := func(id, namespace, metric, dimension string, value pulumi.StringInput) cloudwatch.MetricAlarmMetricQueryArgs {
		return cloudwatch.MetricAlarmMetricQueryArgs{
			Id: pulumi.String(id),
			Metric: cloudwatch.MetricAlarmMetricQueryMetricArgs{
				Namespace:  pulumi.String(namespace),
				MetricName: pulumi.String(metric),
				Dimensions: pulumi.StringMap{dimension: value},
				Period:     pulumi.Int(60),
				Stat:       pulumi.String("Maximum"),
			},
		}
	}
	w.StartAlarm, err = cloudwatch.NewMetricAlarm(ctx, name+"-start", &cloudwatch.MetricAlarmArgs{
		AlarmDescription:   pulumi.String(name + ": jobs are waiting and no worker is in service"),
		ComparisonOperator: pulumi.String("GreaterThanOrEqualToThreshold"),
		Threshold:          pulumi.Float64(1),
		EvaluationPeriods:  pulumi.Int(1),
		// No data from the group counts as no worker.
		TreatMissingData: pulumi.String("notBreaching"),
		MetricQueries: cloudwatch.MetricAlarmMetricQueryArray{
			stat("visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queueName),
			stat("inservice", "AWS/AutoScaling", "GroupInServiceInstances", "AutoScalingGroupName", w.Fleet.Group.Name),
			cloudwatch.MetricAlarmMetricQueryArgs{
				Id:         pulumi.String("waiting"),
				Expression: pulumi.String("IF(visible > 0 AND FILL(inservice, 0) == 0, 1, 0)"),
				Label:      pulumi.String("jobs waiting with no worker"),
				ReturnData: pulumi.Bool(true),
			},
		},
		AlarmActions: pulumi.Array{w.StartPolicy.Arn},
	}, opt)
	return err
}
