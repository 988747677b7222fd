// Package webtier builds the load-balanced web fleet: an internet-facing ALB in
// the public subnets, a target group health-checking /healthz, and a fleet in
// the private subnets that admits traffic from the ALB's security group only.
//
// It is built in two steps. New makes the load balancer; AddFleet the hosts.
// Between them the stack publishes the settings the hosts read at boot, and
// some of those come from the load balancer (the CDN's origin is its name),
// while the hosts must wait for all of them.
package webtier

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/fleet"
	"github.com/scalezero/scalezero/components/shared"
)

// AppPort is where the app listens on each host.
const AppPort = 8080

// Scaling is the target-tracking policy of the fleet (phase 6 on).
type Scaling struct {
	Metric string  // "cpu" (average CPU %) or "requests" (ALB requests per target)
	Target float64 // the value to hold
}

// Args configure the load balancer of a WebTier.
type Args struct {
	VpcID           pulumi.StringInput
	PublicSubnetIDs pulumi.StringArrayInput
	// Zones are the availability zones of PublicSubnetIDs, one subnet each.
	Zones []string
	// CertificateARN, when set, serves HTTPS on 443 with it (a validated ACM
	// certificate), and HTTP then redirects there.
	CertificateARN pulumi.StringInput
	// Stickiness pins a browser to one instance: needed while sessions live in
	// each instance's memory (phases 3-5), wrong once they are shared.
	Stickiness         bool
	DeletionProtection bool
	// AccessLogs is the log bucket's name (one in this region); nil: none.
	AccessLogs pulumi.StringInput
	LogPrefix  string // default "alb"
	// Scaling, when set, gives the fleet (AddFleet) a target-tracking policy.
	Scaling *Scaling
	Tags    map[string]string
}

// FleetArgs configure the hosts of a WebTier.
type FleetArgs struct {
	AppSubnetIDs pulumi.StringArrayInput
	Fleet        fleet.Args // VpcID, SubnetIDs and TargetGroupARNs are set here
}

// WebTier is the component.
type WebTier struct {
	pulumi.ResourceState
	name    string
	vpc     pulumi.StringInput
	tags    map[string]string
	scaling *Scaling

	LBSecurityGroup *ec2.SecurityGroup
	LoadBalancer    *lb.LoadBalancer
	TargetGroup     *lb.TargetGroup
	Listeners       []*lb.Listener
	Fleet           *fleet.Fleet // set by AddFleet
	ScalingPolicy   *autoscaling.Policy

	DNSName         pulumi.StringOutput
	ZoneID          pulumi.StringOutput // the ALB's hosted zone, for alias records
	URL             pulumi.StringOutput
	LoadBalancerARN pulumi.StringOutput
	// ARNSuffix and TargetGroupARNSuffix are the CloudWatch dimensions.
	ARNSuffix            pulumi.StringOutput
	TargetGroupARNSuffix pulumi.StringOutput
	SecurityGroupID      pulumi.StringOutput // the hosts' group, set by AddFleet
	GroupName            pulumi.StringOutput // the hosts' Auto Scaling group, set by AddFleet
}

func validate(a *Args) error {
	bad := shared.Invalid("webtier")
	switch {
	case a == nil:
		return bad("args", nil, "non-nil Args")
	case a.VpcID == nil || a.PublicSubnetIDs == nil:
		return bad("VpcID/PublicSubnetIDs", "nil", "both set")
	case len(a.Zones) < 2:
		return bad("Zones", a.Zones, "at least 2 (an ALB needs two availability zones)")
	case a.Scaling != nil && a.Scaling.Metric != "cpu" && a.Scaling.Metric != "requests":
		return bad("Scaling.Metric", a.Scaling.Metric, "cpu or requests")
	case a.Scaling != nil && a.Scaling.Target <= 0:
		return bad("Scaling.Target", a.Scaling.Target, "a positive number")
	}
	return nil
}

// New creates the load balancer, its target group and listeners.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*WebTier, error) {
	if err := validate(args); err != nil {
		return nil, err
	}
	w := &WebTier{name: name, vpc: args.VpcID, tags: args.Tags, scaling: args.Scaling}
	if err := ctx.RegisterComponentResource(shared.Project+":webtier:WebTier", name, w, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(w)
	var err error
	lbName := name + "-lb"
	if w.LBSecurityGroup, err = shared.SecurityGroup(ctx, lbName, lbName+": HTTP and HTTPS from the internet", args.VpcID, args.Tags, child); err != nil {
		return nil, err
	}
	ports := []int{80}
	if args.CertificateARN != nil {
		ports = append(ports, 443)
	}
	for _, port := range ports {
		if err := shared.AllowFromAnywhere(ctx, fmt.Sprintf("%s-%d", lbName, port), w.LBSecurityGroup, port, "public web", child); err != nil {
			return nil, err
		}
	}
	lbArgs := &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(false),
		Subnets:                  args.PublicSubnetIDs,
		SecurityGroups:           pulumi.StringArray{w.LBSecurityGroup.ID()},
		DropInvalidHeaderFields:  pulumi.Bool(true),
		EnableDeletionProtection: pulumi.Bool(args.DeletionProtection),
		IdleTimeout:              pulumi.Int(60),
		Tags:                     shared.Tags(args.Tags, name),
	}
	if args.AccessLogs != nil {
		prefix := args.LogPrefix
		if prefix == "" {
			prefix = "alb"
		}
		lbArgs.AccessLogs = lb.LoadBalancerAccessLogsArgs{Bucket: args.AccessLogs, Prefix: pulumi.String(prefix), Enabled: pulumi.Bool(true)}
	}
	if w.LoadBalancer, err = lb.NewLoadBalancer(ctx, name, lbArgs, child); err != nil {
		return nil, err
	}
	if w.TargetGroup, err = lb.NewTargetGroup(ctx, name, &lb.TargetGroupArgs{
		VpcId:      args.VpcID,
		Port:       pulumi.Int(AppPort),
		Protocol:   pulumi.String("HTTP"),
		TargetType: pulumi.String("instance"),
		// Draining: the app stops reporting ready on SIGTERM; in-flight requests
		// have this long to finish.
		DeregistrationDelay: pulumi.Int(30),
		HealthCheck: lb.TargetGroupHealthCheckArgs{
			Path:               pulumi.String("/healthz"),
			Matcher:            pulumi.String("200"),
			Interval:           pulumi.Int(15),
			HealthyThreshold:   pulumi.Int(2),
			UnhealthyThreshold: pulumi.Int(3),
			Timeout:            pulumi.Int(5),
		},
		Stickiness: lb.TargetGroupStickinessArgs{
			Type:           pulumi.String("lb_cookie"),
			Enabled:        pulumi.Bool(args.Stickiness),
			CookieDuration: pulumi.Int(86400),
		},
		Tags: shared.Tags(args.Tags, name),
	}, child); err != nil {
		return nil, err
	}
	if err := w.listeners(ctx, name, args, child); err != nil {
		return nil, err
	}
	w.DNSName = w.LoadBalancer.DnsName
	w.ZoneID = w.LoadBalancer.ZoneId
	scheme := "http://"
	if args.CertificateARN != nil {
		scheme = "https://"
	}
	w.URL = pulumi.Sprintf("%s%s", scheme, w.DNSName)
	w.LoadBalancerARN = w.LoadBalancer.Arn
	w.ARNSuffix = w.LoadBalancer.ArnSuffix
	w.TargetGroupARNSuffix = w.TargetGroup.ArnSuffix
	return w, ctx.RegisterResourceOutputs(w, pulumi.Map{
		"dnsName": w.DNSName,
		"url":     w.URL,
	})
}

// AddFleet creates the hosts behind the load balancer: the fleet, the one
// rule that admits the load balancer, and the scaling policy.
func (w *WebTier) AddFleet(ctx *pulumi.Context, args *FleetArgs) error {
	bad := shared.Invalid("webtier")
	switch {
	case args == nil || args.AppSubnetIDs == nil:
		return bad("AppSubnetIDs", nil, "the private app subnets")
	case w.Fleet != nil:
		return bad("AddFleet", "twice", "one fleet per web tier")
	}
	child := pulumi.Parent(w)
	fa := args.Fleet
	fa.VpcID = w.vpc
	fa.SubnetIDs = args.AppSubnetIDs
	fa.TargetGroupARNs = pulumi.StringArray{w.TargetGroup.Arn}
	fa.Tags = shared.Merge(w.tags, fa.Tags)
	var err error
	if w.Fleet, err = fleet.New(ctx, w.name+"-fleet", &fa, child); err != nil {
		return err
	}
	// Instances accept the app port from the load balancer's group and nothing else.
	if err := shared.AllowFromGroup(ctx, w.name+"-fleet-from-lb", w.Fleet.SecurityGroup, w.LBSecurityGroup.ID(), AppPort, "from the load balancer", child); err != nil {
		return err
	}
	if w.scaling != nil {
		if w.ScalingPolicy, err = w.scalingPolicy(ctx, w.name, w.scaling, child); err != nil {
			return err
		}
	}
	w.SecurityGroupID = w.Fleet.SecurityGroupID
	w.GroupName = w.Fleet.GroupName
	return nil
}

func (w *WebTier) listeners(ctx *pulumi.Context, name string, args *Args, opt pulumi.ResourceOption) error {
	forward := lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
		Type:           pulumi.String("forward"),
		TargetGroupArn: w.TargetGroup.Arn,
	}}
	add := func(suffix string, la *lb.ListenerArgs) error {
		l, err := lb.NewListener(ctx, name+suffix, la, opt)
		if err == nil {
			w.Listeners = append(w.Listeners, l)
		}
		return err
	}
	if args.CertificateARN == nil {
		return add("-http", &lb.ListenerArgs{
			LoadBalancerArn: w.LoadBalancer.Arn,
			Port:            pulumi.Int(80),
			Protocol:        pulumi.String("HTTP"),
			DefaultActions:  forward,
		})
	}
	if err := add("-https", &lb.ListenerArgs{
		LoadBalancerArn: w.LoadBalancer.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("HTTPS"),
		SslPolicy:       pulumi.String("ELBSecurityPolicy-TLS13-1-2-2021-06"),
		CertificateArn:  args.CertificateARN,
		DefaultActions:  forward,
	}); err != nil {
		return err
	}
	return add("-http", &lb.ListenerArgs{
		LoadBalancerArn: w.LoadBalancer.Arn,
		Port:            pulumi.Int(80),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: lb.ListenerDefaultActionRedirectArgs{
				Protocol:   pulumi.String("HTTPS"),
				Port:       pulumi.String("443"),
				StatusCode: pulumi.String("HTTP_301"),
			},
		}},
	})
}

func (w *WebTier) scalingPolicy(ctx *pulumi.Context, name string, s *Scaling, opt pulumi.ResourceOption) (*autoscaling.Policy, error) {
	metric := autoscaling.PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs{
		PredefinedMetricType: pulumi.String("ASGAverageCPUUtilization"),
	}
	if s.Metric == "requests" {
		metric = autoscaling.PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs{
			PredefinedMetricType: pulumi.String("ALBRequestCountPerTarget"),
			ResourceLabel:        pulumi.Sprintf("%s/%s", w.LoadBalancer.ArnSuffix, w.TargetGroup.ArnSuffix),
		}
	}
	return autoscaling.NewPolicy(ctx, name+"-target-tracking", &autoscaling.PolicyArgs{
		AutoscalingGroupName: w.Fleet.Group.Name,
		PolicyType:           pulumi.String("TargetTrackingScaling"),
		TargetTrackingConfiguration: autoscaling.PolicyTargetTrackingConfigurationArgs{
			TargetValue:                   pulumi.Float64(s.Target),
			PredefinedMetricSpecification: metric,
		},
	}, opt)
}
