package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// alarm is one alarm to make: a metric (or a rate of two) against a threshold.
type alarm struct {
	name        string
	description string
	namespace   string
	metric      string
	dimensions  pulumi.StringMap
	stat        string // Sum, Average, Maximum, Minimum, or pNN
	period      int    // seconds: 60 or a multiple of it
	evaluations int
	datapoints  int // of evaluations, to alarm
	comparison  string
	threshold   float64
	// rate: the metric divided by this one (same dimensions), in percent.
	per string
	// actions are taken on alarm besides notifying the topic (EC2's recover).
	actions []string
}

func (a alarm) args(topic pulumi.StringOutput) *cloudwatch.MetricAlarmArgs {
	actions := pulumi.Array{topic}
	for _, act := range a.actions {
		actions = append(actions, pulumi.String(act))
	}
	args := &cloudwatch.MetricAlarmArgs{
		AlarmDescription:   pulumi.String(a.description),
		ComparisonOperator: pulumi.String(a.comparison),
		Threshold:          pulumi.Float64(a.threshold),
		EvaluationPeriods:  pulumi.Int(a.evaluations),
		DatapointsToAlarm:  pulumi.Int(a.datapoints),
		// No data is no trouble: an idle load balancer sends no 5xx counts.
		TreatMissingData: pulumi.String("notBreaching"),
		AlarmActions:     actions,
		OkActions:        pulumi.Array{topic},
	}
	if a.per != "" {
		query := func(id, metric string) cloudwatch.MetricAlarmMetricQueryArgs {
			return cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String(id), Metric: cloudwatch.MetricAlarmMetricQueryMetricArgs{
				Namespace: pulumi.String(a.namespace), MetricName: pulumi.String(metric), Dimensions: a.dimensions,
				Period: pulumi.Int(a.period), Stat: pulumi.String(a.stat),
			}}
		}
		args.MetricQueries = cloudwatch.MetricAlarmMetricQueryArray{
			query("part", a.metric), query("whole", a.per),
			cloudwatch.MetricAlarmMetricQueryArgs{
				Id: pulumi.String("rate"), Expression: pulumi.String("100 * part / whole"),
				Label: pulumi.String(a.metric + " per " + a.per + " (%)"), ReturnData: pulumi.Bool(true),
			},
		}
		return args
	}
	args.Namespace, args.MetricName, args.Dimensions, args.Period = pulumi.String(a.namespace), pulumi.String(a.metric), a.dimensions, pulumi.Int(a.period)
	if len(a.stat) > 1 && a.stat[0] == 'p' {
		args.ExtendedStatistic = pulumi.String(a.stat)
	} else {
		args.Statistic = pulumi.String(a.stat)
	}
	return args
}

// alarms are what the chapter says to watch, for the tiers there are.
func (o *Observability) alarms() []alarm {
	a := o.args
	var out []alarm
	for _, lb := range a.LoadBalancers {
		dims := pulumi.StringMap{"LoadBalancer": lb.ARNSuffix}
		group := pulumi.StringMap{"LoadBalancer": lb.ARNSuffix, "TargetGroup": lb.TargetGroupARNSuffix}
		out = append(out,
			alarm{name: lb.Name + "-5xx", description: lb.Name + ": over 5% of requests end in a 5xx from the hosts",
				namespace: "AWS/ApplicationELB", metric: "HTTPCode_Target_5XX_Count", per: "RequestCount", dimensions: dims,
				stat: "Sum", period: 60, evaluations: 3, datapoints: 2, comparison: "GreaterThanThreshold", threshold: 5},
			alarm{name: lb.Name + "-p99", description: lb.Name + ": the slowest 1% of responses take over a second",
				namespace: "AWS/ApplicationELB", metric: "TargetResponseTime", dimensions: dims,
				stat: "p99", period: 60, evaluations: 5, datapoints: 3, comparison: "GreaterThanThreshold", threshold: 1},
			alarm{name: lb.Name + "-unhealthy", description: lb.Name + ": a host fails its health check",
				namespace: "AWS/ApplicationELB", metric: "UnHealthyHostCount", dimensions: group,
				stat: "Maximum", period: 60, evaluations: 3, datapoints: 3, comparison: "GreaterThanOrEqualToThreshold", threshold: 1},
		)
	}
	for _, db := range a.Databases {
		dims := pulumi.StringMap{"DBInstanceIdentifier": db.Identifier}
		if db.StorageGiB > 0 {
			out = append(out, alarm{name: db.Name + "-storage", description: fmt.Sprintf("%s: under a tenth of its %d GiB free", db.Name, db.StorageGiB),
				namespace: "AWS/RDS", metric: "FreeStorageSpace", dimensions: dims,
				stat: "Minimum", period: 300, evaluations: 1, datapoints: 1, comparison: "LessThanThreshold", threshold: float64(db.StorageGiB) * (1 << 30) / 10})
		}
		if db.Replica {
			out = append(out, alarm{name: db.Name + "-lag", description: db.Name + ": more than 30 s behind its primary",
				namespace: "AWS/RDS", metric: "ReplicaLag", dimensions: dims,
				stat: "Maximum", period: 60, evaluations: 3, datapoints: 3, comparison: "GreaterThanThreshold", threshold: 30})
		}
	}
	for _, c := range a.Caches {
		for n := 1; n <= c.Nodes; n++ {
			node := fmt.Sprintf("%03d", n)
			out = append(out, alarm{name: c.Name + "-" + node + "-evictions", description: c.Name + " node " + node + ": evicting over 1,000 keys in 5 minutes (too small for its data)",
				namespace: "AWS/ElastiCache", metric: "Evictions", dimensions: pulumi.StringMap{"CacheClusterId": pulumi.Sprintf("%s-%s", c.ReplicationGroupID, node)},
				stat: "Sum", period: 300, evaluations: 1, datapoints: 1, comparison: "GreaterThanThreshold", threshold: 1000})
		}
	}
	for _, q := range a.Queues {
		out = append(out,
			alarm{name: q.Name + "-dlq", description: q.Name + ": messages in the dead-letter queue (jobs that failed every attempt)",
				namespace: "AWS/SQS", metric: "ApproximateNumberOfMessagesVisible", dimensions: pulumi.StringMap{"QueueName": q.DLQName},
				stat: "Maximum", period: 300, evaluations: 1, datapoints: 1, comparison: "GreaterThanThreshold", threshold: 0},
			alarm{name: q.Name + "-oldest", description: fmt.Sprintf("%s: a job waits over %d s", q.Name, q.OldestMessageSecond),
				namespace: "AWS/SQS", metric: "ApproximateAgeOfOldestMessage", dimensions: pulumi.StringMap{"QueueName": q.QueueName},
				stat: "Maximum", period: 300, evaluations: 2, datapoints: 2, comparison: "GreaterThanThreshold", threshold: float64(q.OldestMessageSecond)},
		)
	}
	if a.DistributionID != nil && a.Region == EdgeRegion {
		out = append(out, alarm{name: "cdn-5xx", description: "cdn: over 5% of requests end in a 5xx",
			namespace: "AWS/CloudFront", metric: "5xxErrorRate", dimensions: pulumi.StringMap{"DistributionId": a.DistributionID, "Region": pulumi.String("Global")},
			stat: "Average", period: 300, evaluations: 2, datapoints: 2, comparison: "GreaterThanThreshold", threshold: 5})
	}
	return out
}

// serverAlarms watch the single server as the load balancers watch the
// fleets: the host itself (EC2's system status check, with EC2's recover
// action, which moves the instance to new hardware and keeps its id, its
// addresses and its EBS volumes: the documented way back for one instance),
// its CPU, its memory and disk (the CloudWatch agent's, by instance: in
// phase 1 the database's data is on that disk), and the app's own 5xx rate
// (its Embedded Metric Format metrics: no load balancer counts them here).
func (o *Observability) serverAlarms(s *Server) []alarm {
	if s == nil {
		return nil
	}
	dims := pulumi.StringMap{"InstanceId": s.InstanceID}
	return []alarm{
		{name: s.Name + "-status", description: s.Name + ": the host fails EC2's system status check (EC2 recovers it onto new hardware)",
			namespace: "AWS/EC2", metric: "StatusCheckFailed_System", dimensions: dims,
			stat: "Maximum", period: 60, evaluations: 2, datapoints: 2, comparison: "GreaterThanOrEqualToThreshold", threshold: 1,
			actions: []string{"arn:aws:automate:" + o.args.Region + ":ec2:recover"}},
		{name: s.Name + "-cpu", description: s.Name + ": CPU over 80% for 15 minutes",
			namespace: "AWS/EC2", metric: "CPUUtilization", dimensions: dims,
			stat: "Average", period: 300, evaluations: 3, datapoints: 3, comparison: "GreaterThanThreshold", threshold: 80},
		{name: s.Name + "-memory", description: s.Name + ": memory over 90% used",
			namespace: "CWAgent", metric: "mem_used_percent", dimensions: dims,
			stat: "Maximum", period: 300, evaluations: 2, datapoints: 2, comparison: "GreaterThanThreshold", threshold: 90},
		{name: s.Name + "-disk", description: s.Name + ": its disk over 85% full (the database stops when it fills)",
			namespace: "CWAgent", metric: "disk_used_percent", dimensions: dims,
			stat: "Maximum", period: 300, evaluations: 1, datapoints: 1, comparison: "GreaterThanThreshold", threshold: 85},
		{name: s.Name + "-5xx", description: s.Name + ": over 5% of the app's requests end in a 5xx",
			namespace: AppNamespace, metric: "ServerErrors", per: "Requests", dimensions: pulumi.StringMap{"Service": pulumi.String("web")},
			stat: "Sum", period: 60, evaluations: 3, datapoints: 2, comparison: "GreaterThanThreshold", threshold: 5},
	}
}

// healthAlarms watch Route 53's health checks, whose metrics exist only in
// us-east-1.
func (o *Observability) healthAlarms(checks []HealthCheck) []alarm {
	if o.args.Region != EdgeRegion {
		return nil
	}
	var out []alarm
	for _, hc := range checks {
		out = append(out, alarm{name: hc.Name + "-failing", description: hc.Name + ": the region fails its health check (traffic fails over)",
			namespace: "AWS/Route53", metric: "HealthCheckStatus", dimensions: pulumi.StringMap{"HealthCheckId": hc.ID},
			stat: "Minimum", period: 60, evaluations: 2, datapoints: 2, comparison: "LessThanThreshold", threshold: 1})
	}
	return out
}
