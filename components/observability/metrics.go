package observability

import (
	"fmt"
	"slices"
	"strings"
)

// Namespace is one CloudWatch namespace the stack's alarms and dashboards
// read: where AWS documents its metrics, and each metric's dimension sets.
type Namespace struct {
	Name string
	Doc  string // the documentation page that lists the metrics and dimensions
	// Only is the one region the namespace's metrics live in ("" for every
	// region): Route 53 health checks and CloudFront publish in us-east-1.
	Only    string
	Metrics map[string][][]string // metric -> its dimension sets (names, sorted)
}

// AppNamespace is the app's own metrics, sent as Embedded Metric Format lines
// in its log stream (the app's metrics package); Service is web or worker.
const AppNamespace = "ScaleZero/App"

// Namespaces is the table every alarm and dashboard widget is checked
// against (a test reads every phase's graph).
var Namespaces = []Namespace{
	{
		Name: "AWS/ApplicationELB",
		Doc:  "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html",
		Metrics: map[string][][]string{
			"RequestCount":              {{"LoadBalancer"}, {"LoadBalancer", "TargetGroup"}},
			"HTTPCode_Target_5XX_Count": {{"LoadBalancer"}, {"LoadBalancer", "TargetGroup"}},
			"HTTPCode_ELB_5XX_Count":    {{"LoadBalancer"}},
			"TargetResponseTime":        {{"LoadBalancer"}, {"LoadBalancer", "TargetGroup"}},
			"HealthyHostCount":          {{"LoadBalancer", "TargetGroup"}},
			"UnHealthyHostCount":        {{"LoadBalancer", "TargetGroup"}},
		},
	},
	{
		Name: "AWS/AutoScaling",
		Doc:  "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-metrics.html",
		Metrics: map[string][][]string{
			"GroupInServiceInstances": {{"AutoScalingGroupName"}},
			"GroupDesiredCapacity":    {{"AutoScalingGroupName"}},
		},
	},
	{
		Name: "AWS/RDS",
		Doc:  "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html",
		Metrics: map[string][][]string{
			"CPUUtilization":      {{"DBInstanceIdentifier"}},
			"DatabaseConnections": {{"DBInstanceIdentifier"}},
			"FreeStorageSpace":    {{"DBInstanceIdentifier"}},
			"ReplicaLag":          {{"DBInstanceIdentifier"}},
		},
	},
	{
		Name: "AWS/ElastiCache",
		Doc:  "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html",
		Metrics: map[string][][]string{
			"CacheHits":            {{"CacheClusterId"}, {"CacheClusterId", "CacheNodeId"}},
			"CacheMisses":          {{"CacheClusterId"}, {"CacheClusterId", "CacheNodeId"}},
			"Evictions":            {{"CacheClusterId"}, {"CacheClusterId", "CacheNodeId"}},
			"EngineCPUUtilization": {{"CacheClusterId"}, {"CacheClusterId", "CacheNodeId"}},
		},
	},
	{
		Name: "AWS/CloudFront",
		Doc:  "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html",
		Only: "us-east-1",
		Metrics: map[string][][]string{
			"Requests":       {{"DistributionId", "Region"}},
			"4xxErrorRate":   {{"DistributionId", "Region"}},
			"5xxErrorRate":   {{"DistributionId", "Region"}},
			"TotalErrorRate": {{"DistributionId", "Region"}},
		},
	},
	{
		Name: "AWS/SQS",
		Doc:  "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html",
		Metrics: map[string][][]string{
			"ApproximateNumberOfMessagesVisible": {{"QueueName"}},
			"ApproximateAgeOfOldestMessage":      {{"QueueName"}},
			"NumberOfMessagesSent":               {{"QueueName"}},
			"NumberOfMessagesDeleted":            {{"QueueName"}},
		},
	},
	{
		Name: "AWS/Route53",
		Doc:  "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html",
		Only: "us-east-1",
		Metrics: map[string][][]string{
			"HealthCheckStatus":            {{"HealthCheckId"}},
			"HealthCheckPercentageHealthy": {{"HealthCheckId"}},
		},
	},
	{
		// The single server's instance metrics (basic monitoring and the
		// status checks, which EC2 sends every minute).
		Name: "AWS/EC2",
		Doc:  "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html",
		Metrics: map[string][][]string{
			"CPUUtilization":           {{"InstanceId"}, {"AutoScalingGroupName"}},
			"StatusCheckFailed_System": {{"InstanceId"}},
		},
	},
	{
		// The agent's metrics are those its config (components/boot) asks
		// for, aggregated by the group the host belongs to and by instance
		// (the single server belongs to no group).
		Name: "CWAgent",
		Doc:  "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/metrics-collected-by-CloudWatch-agent.html",
		Metrics: map[string][][]string{
			"mem_used_percent":  {{"AutoScalingGroupName"}, {"InstanceId"}},
			"disk_used_percent": {{"AutoScalingGroupName"}, {"InstanceId"}},
		},
	},
	{
		Name: AppNamespace,
		Doc:  "app/README.md: metrics (Embedded Metric Format)",
		Metrics: map[string][][]string{
			"Requests":         {{"Service"}},
			"ServerErrors":     {{"Service"}},
			"Latency":          {{"Service"}},
			"CacheHits":        {{"Service"}},
			"CacheMisses":      {{"Service"}},
			"ReplicaFallbacks": {{"Service"}},
			"JobsSucceeded":    {{"Service"}},
			"JobsFailed":       {{"Service"}},
			"Signups":          {{"Service"}},
			"Logins":           {{"Service"}},
			"AvatarsMade":      {{"Service"}},
		},
	},
}

// Check reports whether a metric with these dimension names exists in the
// namespace, in the region asked: the error says what is wrong.
func Check(namespace, metric string, dimensions []string, region string) error {
	for _, ns := range Namespaces {
		if ns.Name != namespace {
			continue
		}
		sets, ok := ns.Metrics[metric]
		if !ok {
			return fmt.Errorf("%s has no metric %s (%s)", namespace, metric, ns.Doc)
		}
		if ns.Only != "" && region != ns.Only {
			return fmt.Errorf("%s/%s is published only in %s, not %s", namespace, metric, ns.Only, region)
		}
		dims := slices.Sorted(slices.Values(dimensions))
		for _, set := range sets {
			if slices.Equal(set, dims) {
				return nil
			}
		}
		return fmt.Errorf("%s/%s has no dimension set [%s]; it has %v (%s)", namespace, metric, strings.Join(dims, " "), sets, ns.Doc)
	}
	return fmt.Errorf("namespace %s is not in the table", namespace)
}
