// Package observability watches one region's tiers: log groups for the
// hosts' containers, an SNS topic that alarms notify (and mail, when an
// address is given), alarms on what the chapter says to watch, and a
// dashboard with a row per tier the phase has. It is built from the same
// plan as everything else, so each phase watches exactly what it has.
//
// Two steps: New makes the topic, the log groups and the alarms on what
// exists before the hosts (a web fleet's instance refresh rolls back on its
// load balancer's alarms, so those come first); Draw, once the hosts
// exist, draws them all. Nothing on a tier's deploy path waits for either.
package observability

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// LoadBalancer is an ALB and its one target group.
type LoadBalancer struct {
	Name                            string
	ARNSuffix, TargetGroupARNSuffix pulumi.StringInput
}

// Database is an RDS instance; Replica ones are watched for lag.
type Database struct {
	Name       string
	Identifier pulumi.StringInput
	Replica    bool
	// StorageGiB is what it was created with: low storage is under a tenth.
	StorageGiB int
}

// Cache is a replication group of Nodes clusters (<id>-001, -002, ...).
type Cache struct {
	Name               string
	ReplicationGroupID pulumi.StringInput
	Nodes              int
}

// Queue is a job queue and its dead-letter queue.
type Queue struct {
	Name                string
	QueueName, DLQName  pulumi.StringInput
	OldestMessageSecond int // alarm when the oldest message is older
}

// HealthCheck is a Route 53 health check (its metrics are in us-east-1).
type HealthCheck struct {
	Name string
	ID   pulumi.StringInput
}

// Fleet is an autoscaling group of the app's hosts.
type Fleet struct {
	Name      string
	Service   string // web or worker: the app's metrics' Service dimension
	GroupName pulumi.StringInput
}

// Args configure a region's observability.
type Args struct {
	Region        string // the region of the provider it is built with
	DashboardName string // unique in the account and region; empty: none
	// LogGroups are made for these services (web, worker): their hosts'
	// containers log there (the awslogs driver), named LogGroupName.
	LogGroups        []string
	LogGroupPath     string // e.g. /scalezero/dev/
	LogRetentionDays int
	AlertEmail       string // optional

	LoadBalancers []LoadBalancer
	Databases     []Database
	Caches        []Cache
	Queues        []Queue
	// DistributionID is the CDN's (global metrics, as Route 53's health
	// checks: alarms on them are made only where Region is us-east-1; the
	// dashboard shows them wherever it is).
	DistributionID pulumi.StringInput
	// AccountID is the AWS account (the alarm key's policy names it);
	// empty: looked up with the component's provider.
	AccountID string
	Tags      map[string]string

	// The hosts and the DNS's health checks: made after this component
	// (the hosts log to its groups), so their names may be outputs that
	// resolve later.
	Fleets       []Fleet
	Server       *Server // phases 1-2
	HealthChecks []HealthCheck
}

// Server is the single host of phases 1 and 2: the app, and in phase 1 its
// database, on one EC2 instance.
type Server struct {
	Name       string
	InstanceID pulumi.StringInput
}

// Observability is the component.
type Observability struct {
	pulumi.ResourceState
	args *Args

	Topic     *sns.Topic
	TopicKey  *kms.Key // encrypts the topic's messages at rest
	LogGroups map[string]*cloudwatch.LogGroup
	Alarms    []*cloudwatch.MetricAlarm
	Dashboard *cloudwatch.Dashboard

	// TopicARN is where alarms go.
	TopicARN pulumi.StringOutput
}

// EdgeRegion is where Route 53 and CloudFront publish their metrics.
const EdgeRegion = "us-east-1"

var (
	emailPattern     = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$`)
	dashboardPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
)

func validate(a *Args) error {
	bad := shared.Invalid("observability")
	switch {
	case a == nil:
		return bad("args", nil, "non-nil Args")
	case a.Region == "":
		return bad("Region", `""`, "the provider's region")
	case a.DashboardName != "" && !dashboardPattern.MatchString(a.DashboardName):
		return bad("DashboardName", a.DashboardName, "empty (no dashboard), or 1 to 255 letters, digits, - and _")
	case a.AlertEmail != "" && !emailPattern.MatchString(a.AlertEmail):
		return bad("AlertEmail", a.AlertEmail, "an email address")
	case len(a.LogGroups) > 0 && a.LogGroupPath == "":
		return bad("LogGroupPath", `""`, "a path such as /scalezero/dev/")
	}
	return nil
}

// topic makes the alarm topic, encrypted with a key of its own: CloudWatch
// cannot publish to a topic encrypted with the AWS-managed SNS key, so the
// key's policy lets CloudWatch (and the account) use it.
func (o *Observability) topic(ctx *pulumi.Context, name string, opt pulumi.ResourceOption) error {
	account, err := shared.AccountID(ctx, o, o.args.AccountID)
	if err != nil {
		return fmt.Errorf("%s: look up the account: %w", name, err)
	}
	if o.TopicKey, err = kms.NewKey(ctx, name+"-alarms", &kms.KeyArgs{
		Description:          pulumi.String(name + ": the alarm topic's messages"),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(7),
		Policy: pulumi.String(fmt.Sprintf(`{"Version":"2012-10-17","Statement":[`+
			`{"Sid":"Account","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"kms:*","Resource":"*"},`+
			`{"Sid":"CloudWatchAlarms","Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*"}]}`, account)),
		Tags: shared.Tags(o.args.Tags, name+"-alarms"),
	}, opt); err != nil {
		return err
	}
	o.Topic, err = sns.NewTopic(ctx, name+"-alarms", &sns.TopicArgs{
		KmsMasterKeyId: o.TopicKey.Arn,
		Tags:           shared.Tags(o.args.Tags, name+"-alarms"),
	}, opt)
	return err
}

// LogGroupName is the log group of a service's containers.
func LogGroupName(path, service string) string { return path + service }

// New creates the topic, the log groups, the alarms and the dashboard.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Observability, error) {
	if err := validate(args); err != nil {
		return nil, err
	}
	o := &Observability{args: args, LogGroups: map[string]*cloudwatch.LogGroup{}}
	if err := ctx.RegisterComponentResource(shared.Project+":observability:Observability", name, o, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(o)
	if err := o.topic(ctx, name, child); err != nil {
		return nil, err
	}
	o.TopicARN = o.Topic.Arn
	if args.AlertEmail != "" {
		if _, err := sns.NewTopicSubscription(ctx, name+"-email", &sns.TopicSubscriptionArgs{
			Topic: o.Topic.Arn, Protocol: pulumi.String("email"), Endpoint: pulumi.String(args.AlertEmail),
		}, child); err != nil {
			return nil, err
		}
	}
	for _, service := range args.LogGroups {
		lg, err := cloudwatch.NewLogGroup(ctx, name+"-"+service, &cloudwatch.LogGroupArgs{
			Name:            pulumi.String(LogGroupName(args.LogGroupPath, service)),
			RetentionInDays: pulumi.Int(args.LogRetentionDays),
			Tags:            shared.Tags(args.Tags, name+"-"+service),
		}, child)
		if err != nil {
			return nil, err
		}
		o.LogGroups[service] = lg
	}
	if err := o.makeAlarms(ctx, o.alarms()); err != nil {
		return nil, err
	}
	if err := o.watchHosts(ctx); err != nil {
		return nil, err
	}
	return o, ctx.RegisterResourceOutputs(o, pulumi.Map{"topicArn": o.TopicARN})
}

func (o *Observability) makeAlarms(ctx *pulumi.Context, alarms []alarm) error {
	for _, a := range alarms {
		alarm, err := cloudwatch.NewMetricAlarm(ctx, a.name, a.args(o.TopicARN), pulumi.Parent(o))
		if err != nil {
			return fmt.Errorf("alarm %s: %w", a.name, err)
		}
		o.Alarms = append(o.Alarms, alarm)
	}
	return nil
}

// watchHosts watches the single server and the health checks (their
// alarms in us-east-1) and makes the dashboard: every tier of the region,
// the hosts included.
func (o *Observability) watchHosts(ctx *pulumi.Context) error {
	if err := o.makeAlarms(ctx, append(o.serverAlarms(o.args.Server), o.healthAlarms(o.args.HealthChecks)...)); err != nil {
		return err
	}
	if o.args.DashboardName == "" {
		return nil
	}
	body := o.body()
	var err error
	o.Dashboard, err = cloudwatch.NewDashboard(ctx, o.args.DashboardName, &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(o.args.DashboardName),
		DashboardBody: body,
	}, pulumi.Parent(o))
	return err
}
