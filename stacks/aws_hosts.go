package stacks

import (
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/boot"
	"github.com/scalezero/scalezero/components/fleet"
	"github.com/scalezero/scalezero/components/image"
	"github.com/scalezero/scalezero/components/logs"
	"github.com/scalezero/scalezero/components/observability"
	"github.com/scalezero/scalezero/components/singleserver"
	"github.com/scalezero/scalezero/components/webtier"
)

// The aws target: the hosts: the app image, load balancers, the single server and the fleets.

// buildLogBuckets makes each region's access-log bucket, from the phase that
// has a load balancer.
func (b *builder) buildLogBuckets() error {
	if !b.p.WebTier {
		return nil
	}
	for _, r := range b.regions {
		var err error
		if r.logs, err = logs.NewBucket(b.ctx, r.named("logs"), &logs.BucketArgs{
			Region:           r.name,
			LogRetentionDays: b.s.LogRetentionDays,
			ForceDestroy:     b.s.BucketForceDestroy,
			AccountID:        b.account,
			Tags:             b.tags,
		}, r.opts()); err != nil {
			return err
		}
	}
	return nil
}

// buildImage builds the app's image and pushes it to a repository in each
// region: hosts pull from their own region, so the second region launches
// instances (a fleet roll, the failover's) while the first one is lost. The
// second push reuses the first build from Docker's cache.
func (b *builder) buildImage() error {
	for _, r := range b.regions {
		var err error
		if r.image, err = image.New(b.ctx, r.named("app"), &image.Args{
			Context:     ".",
			Dockerfile:  "app/Dockerfile",
			AWSProvider: r.provider,
			// The repository's region lost: no registry token can be had,
			// and the image stays as its state holds it.
			SkipAuth: r.lost,
			Tags:     b.tags,
		}, r.opts()); err != nil {
			return err
		}
	}
	b.image = b.primary().image
	b.out.ImageRef = b.image.Ref
	return nil
}

func (b *builder) buildLoadBalancers() error {
	if !b.p.WebTier {
		return nil
	}
	for _, r := range b.regions {
		args := &webtier.Args{
			Scaling:            b.scaling(),
			VpcID:              r.net.VpcID,
			PublicSubnetIDs:    r.net.PublicSubnetIDs,
			Zones:              r.zones,
			Stickiness:         b.p.Stickiness,
			DeletionProtection: b.s.LBDeletionProtection,
			AccessLogs:         r.logs.Name,
			LogPrefix:          logs.LoadBalancerPrefix,
			Tags:               b.tags,
		}
		if r.cert != nil {
			args.CertificateARN = r.cert.ARN
		}
		var err error
		if r.web, err = webtier.New(b.ctx, r.named("web"), args, r.opts()); err != nil {
			return err
		}
		if r.role == "primary" {
			b.out.LoadBalancer = r.web.DNSName
			b.out.URL = r.web.URL
		} else {
			b.out.SecondaryLoadBalancer = r.web.DNSName
		}
	}
	return nil
}

// scaling is the web fleets' target tracking, from phase 6.
func (b *builder) scaling() *webtier.Scaling {
	if !b.p.TargetScaling {
		return nil
	}
	return &webtier.Scaling{Metric: b.s.ScalingMetric, Target: b.s.ScalingTarget}
}

// buildHosts makes, kind by kind (every region's web hosts before any
// worker), the hosts hostKinds names for each region: the kinds whose
// groups and names the data tier and observability were promised.
func (b *builder) buildHosts() error {
	build := map[string]func(*region) error{"server": b.buildServer, "web": b.buildWeb, "worker": b.buildWorkers}
	for _, kind := range []string{"server", "web", "worker"} {
		for _, r := range b.regions {
			if !slices.Contains(b.hostKinds(r), kind) {
				continue
			}
			if err := build[kind](r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *builder) buildServer(r *region) error {
	rl, err := b.newRole(r, "server")
	if err != nil {
		return err
	}
	script, err := boot.Script(boot.Options{Role: "web", Region: r.name, ParamPath: b.paramPath, ServePort80: true, Refresh: true,
		LogGroup: observability.LogGroupName(b.paramPath, "web")})
	if err != nil {
		return err
	}
	srv, err := singleserver.New(b.ctx, "server", &singleserver.Args{
		VpcID:           r.net.VpcID,
		SubnetID:        r.net.PublicSubnetID(0),
		InstanceType:    b.s.ServerInstanceType,
		UserData:        script,
		ProfileName:     rl.ProfileName,
		InternetGateway: r.net.InternetGateway,
		Settings:        r.config.Digest,
		After:           r.config.Resources(),
		AMI:             r.ami(),
		Tags:            b.tags,
	}, r.opts())
	if err != nil {
		return err
	}
	b.out.ServerIP = srv.PublicIP
	b.out.ServerInstanceID = srv.InstanceID
	b.out.URL = pulumi.Sprintf("http://%s", srv.PublicIP)
	if err := b.keep(serverInstanceKey, srv.InstanceID); err != nil {
		return err
	}
	return b.admit(r, "server", srv.SecurityGroupID)
}

// fleetArgs are a fleet's hosts in region r: they boot after the region's
// settings exist and carry their digest, so a change in them rolls the fleet.
func (b *builder) fleetArgs(r *region, kind, instanceType string, min, desired, max int, profile pulumi.StringInput) (fleet.Args, error) {
	opts := boot.Options{Role: kind, Region: r.name, ParamPath: b.paramPath, LogGroup: observability.LogGroupName(b.paramPath, kind)}
	if r.role != "primary" {
		opts.PeeredCIDRs = []string{b.primary().net.CIDR} // its databases, through the peering
	} else if b.writesAcross() {
		opts.PeeredCIDRs = []string{b.regions[1].net.CIDR} // the second region's writers (failback)
	}
	script, err := boot.Base64(opts)
	return fleet.Args{
		InstanceType:   instanceType,
		UserDataBase64: script,
		ProfileName:    profile,
		Min:            min,
		Desired:        desired,
		Max:            max,
		ImageRef:       r.image.Ref,
		AMI:            r.ami(),
		Settings:       r.config.Digest,
		// The settings they read at boot, and their way out (packages,
		// the image registry, AWS's APIs) through NAT.
		After: append(r.config.Resources(), routes(r.net.OutRoutes)...),
	}, err
}

func routes(rs []*ec2.Route) []pulumi.Resource {
	out := make([]pulumi.Resource, len(rs))
	for i, r := range rs {
		out[i] = r
	}
	return out
}

func (b *builder) buildWeb(r *region) error {
	rl, err := b.newRole(r, "web")
	if err != nil {
		return err
	}
	fa, err := b.fleetArgs(r, "web", b.s.WebInstanceType, b.s.WebMin, b.s.WebDesired, b.s.WebMax, rl.ProfileName)
	if err != nil {
		return err
	}
	if err := r.web.AddFleet(b.ctx, &webtier.FleetArgs{AppSubnetIDs: r.net.AppSubnetIDs, Fleet: fa}); err != nil {
		return err
	}
	if err := b.keep(groupNameKey(r, "web"), r.web.GroupName); err != nil {
		return err
	}
	return b.admit(r, "web", r.web.SecurityGroupID)
}
