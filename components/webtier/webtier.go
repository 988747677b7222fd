// Package webtier builds the load-balanced web fleet: an internet-facing ALB in
// the public subnets, a target group health-checking /healthz, and a fleet in
// the private subnets that admits traffic from the ALB's security group only.
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

// Args configure a WebTier.
type Args struct {
	VpcID           pulumi.StringInput
	PublicSubnetIDs pulumi.StringArrayInput
	AppSubnetIDs    pulumi.StringArrayInput
	ZoneCount       int
	// CertificateARN turns on HTTPS; HTTP then redirects to it.
	CertificateARN string
	// Stickiness pins a browser to one instance: needed while sessions live in
	// each instance's memory (phases 3-5), wrong once they are shared.
	Stickiness bool
	// Scaling, when set, adds a target-tracking policy.
	Scaling *Scaling
	Fleet   fleet.Args // the hosts; VpcID, SubnetIDs and TargetGroupARNs are set here
	Tags    map[string]string
}

// WebTier is the component.
type WebTier struct {
	pulumi.ResourceState

	LBSecurityGroup *ec2.SecurityGroup
	LoadBalancer    *lb.LoadBalancer
	TargetGroup     *lb.TargetGroup
	Fleet           *fleet.Fleet
	ScalingPolicy   *autoscaling.Policy

	DNSName         pulumi.StringOutput
	ZoneID          pulumi.StringOutput // the ALB's hosted zone, for alias records
	URL             pulumi.StringOutput
	InstanceSGID    pulumi.StringOutput
	LoadBalancerARN pulumi.StringOutput
}

func validate(a *Args) error {
	bad := shared.Invalid("webtier")
	switch {
	case a == nil:
		return bad("args", nil, "non-nil Args")
	case a.VpcID == nil || a.PublicSubnetIDs == nil || a.AppSubnetIDs == nil:
		return bad("VpcID/PublicSubnetIDs/AppSubnetIDs", "nil", "all set")
	case a.ZoneCount < 2:
		return bad("ZoneCount", a.ZoneCount, "at least 2 (an ALB needs two availability zones)")
	case a.Scaling != nil && a.Scaling.Metric != "cpu" && a.Scaling.Metric != "requests":
		return bad("Scaling.Metric", a.Scaling.Metric, "cpu or requests")
	case a.Scaling != nil && a.Scaling.Target <= 0:
		return bad("Scaling.Target", a.Scaling.Target, "a positive number")
	}
	return nil
}

// New creates the web tier.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*WebTier, error) {
	if err := validate(args); err != nil {
		return nil, err
	}
	w := &WebTier{}
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
	if args.CertificateARN != "" {
		ports = append(ports, 443)
	}
	for _, port := range ports {
		if err := shared.AllowFromAnywhere(ctx, fmt.Sprintf("%s-%d", lbName, port), w.LBSecurityGroup, port, "public web", child); err != nil {
			return nil, err
		}
	}
	if w.LoadBalancer, err = lb.NewLoadBalancer(ctx, name, &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(false),
		Subnets:                  args.PublicSubnetIDs,
		SecurityGroups:           pulumi.StringArray{w.LBSecurityGroup.ID()},
		DropInvalidHeaderFields:  pulumi.Bool(true),
		EnableDeletionProtection: pulumi.Bool(false),
		IdleTimeout:              pulumi.Int(60),
		Tags:                     shared.Tags(args.Tags, name),
	}, child); err != nil {
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

	fa := args.Fleet
	fa.VpcID = args.VpcID
	fa.SubnetIDs = args.AppSubnetIDs
	fa.TargetGroupARNs = pulumi.StringArray{w.TargetGroup.Arn}
	fa.Tags = shared.Merge(args.Tags, fa.Tags)
	if w.Fleet, err = fleet.New(ctx, name+"-fleet", &fa, child); err != nil {
		return nil, err
	}
	// Instances accept the app port from the load balancer's group and nothing else.
	if err := shared.AllowFromGroup(ctx, name+"-fleet-from-lb", w.Fleet.SecurityGroup, w.LBSecurityGroup.ID(), AppPort, "from the load balancer", child); err != nil {
		return nil, err
	}
	if args.Scaling != nil {
		if w.ScalingPolicy, err = w.scaling(ctx, name, args.Scaling, child); err != nil {
			return nil, err
		}
	}

	w.DNSName = w.LoadBalancer.DnsName
	w.ZoneID = w.LoadBalancer.ZoneId
	scheme := "http://"
	if args.CertificateARN != "" {
		scheme = "https://"
	}
	w.URL = pulumi.Sprintf("%s%s", scheme, w.DNSName)
	w.InstanceSGID = w.Fleet.SecurityGroupID
	w.LoadBalancerARN = w.LoadBalancer.Arn
	return w, ctx.RegisterResourceOutputs(w, pulumi.Map{
		"dnsName":      w.DNSName,
		"url":          w.URL,
		"instanceSgId": w.InstanceSGID,
	})
}

func (w *WebTier) listeners(ctx *pulumi.Context, name string, args *Args, opt pulumi.ResourceOption) error {
	forward := lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
		Type:           pulumi.String("forward"),
		TargetGroupArn: w.TargetGroup.Arn,
	}}
	if args.CertificateARN == "" {
		_, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
			LoadBalancerArn: w.LoadBalancer.Arn,
			Port:            pulumi.Int(80),
			Protocol:        pulumi.String("HTTP"),
			DefaultActions:  forward,
		}, opt)
		return err
	}
	if _, err := lb.NewListener(ctx, name+"-https", &lb.ListenerArgs{
		LoadBalancerArn: w.LoadBalancer.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("HTTPS"),
		SslPolicy:       pulumi.String("ELBSecurityPolicy-TLS13-1-2-2021-06"),
		CertificateArn:  pulumi.String(args.CertificateARN),
		DefaultActions:  forward,
	}, opt); err != nil {
		return err
	}
	_, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
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
	}, opt)
	return err
}

func (w *WebTier) scaling(ctx *pulumi.Context, name string, s *Scaling, opt pulumi.ResourceOption) (*autoscaling.Policy, error) {
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
