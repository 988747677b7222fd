package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/appconfig"
	"github.com/scalezero/scalezero/components/cache"
	"github.com/scalezero/scalezero/components/cdn"
	"github.com/scalezero/scalezero/components/certificate"
	"github.com/scalezero/scalezero/components/database"
	"github.com/scalezero/scalezero/components/dns"
	"github.com/scalezero/scalezero/components/image"
	"github.com/scalezero/scalezero/components/logs"
	"github.com/scalezero/scalezero/components/network"
	"github.com/scalezero/scalezero/components/observability"
	"github.com/scalezero/scalezero/components/queue"
	"github.com/scalezero/scalezero/components/sessions"
	"github.com/scalezero/scalezero/components/shared"
	"github.com/scalezero/scalezero/components/webtier"
	"github.com/scalezero/scalezero/components/worker"
	"github.com/scalezero/scalezero/stacks/plan"
)

// edgeRegion is where CloudFront's certificate and log delivery must live.
const edgeRegion = "us-east-1"

// region is one region's slice of the stack. The primary region's resources
// keep the names they had before phase 7; the secondary's carry a suffix.
type region struct {
	role     string // "primary" or "secondary"
	suffix   string // "" or "-secondary"
	name     string // the AWS region
	cidr     string
	provider *aws.Provider
	zones    []string
	net      *network.Network
	logs     *logs.Bucket // access logs of the region's load balancer (and, in the primary, the CDN)
	cert     *certificate.Certificate
	cache    *cache.Cache
	web      *webtier.WebTier
	watch    *observability.Observability
	config   *appconfig.AppConfig
	image    *image.Image   // the app image, in this region's repository
	queue    *queue.Queue   // the region's job queue, DLQ and bucket (phase 8 on)
	worker   *worker.Worker // the fleet that consumes the region's queue
	// writer is where this region's hosts write the main database: the
	// writer region's primary; readers are this region's read endpoints.
	writer  pulumi.StringOutput
	readers pulumi.StringArrayOutput
	// shardMap is the shards as this region's hosts use them (phase 9).
	shardMap pulumi.StringOutput
	// lost: this region's APIs fail (lostRegion); its resources are frozen.
	lost bool
	// databases are the ones in this region (the primary's writer and
	// shards, the second region's copy): its hosts are admitted to each.
	databases []*database.Database
	// clients are its hosts' security groups, promised to its data tier
	// before the hosts exist (aws_clients.go).
	clients shared.Clients
}

func (r *region) named(base string) string { return base + r.suffix }
func (r *region) opts() pulumi.ResourceOption {
	if r.lost {
		return pulumi.Composite(pulumi.Providers(r.provider), frozen)
	}
	return pulumi.Providers(r.provider)
}

type builder struct {
	ctx       *pulumi.Context
	p         plan.Plan
	s         plan.Settings
	tags      map[string]string
	paramPath string
	regions   []*region
	edge      *aws.Provider // us-east-1: the primary region's provider when it is there
	zone      *dns.Zone     // nil without a domain
	cdnCert   *certificate.Certificate
	image     *image.Image
	db        *database.Database
	shards    []*database.Database
	// secondaryDBs is the main database's copy in the second region, and
	// secondaryShards the shards' copies there (phase 9).
	secondaryDBs    []*database.Database
	secondaryShards []*database.Database
	// account is the AWS account, looked up once in a region that answers.
	account   string
	sessions  *sessions.Table // from phase 6: sessions and login counts
	cdn       *cdn.CDN
	edgeWatch *observability.Observability // us-east-1's alarms when the primary region is elsewhere
	dns       *dns.DNS
	out       *Outputs
	// pending are the promises not kept yet, by name (aws_clients.go).
	pending map[string]func(pulumi.Output)
}

// BuildAWS declares the plan's tiers on AWS. The order is that of the
// dependencies between tiers: hosts come last, after every setting they read
// at boot exists (app config), and those come after the tiers they name.
func BuildAWS(ctx *pulumi.Context, p plan.Plan) (*Outputs, error) {
	b := &builder{
		ctx:       ctx,
		p:         p,
		s:         p.Settings,
		tags:      map[string]string{"project": shared.Project, "stack": ctx.Stack()},
		paramPath: fmt.Sprintf("/%s/%s/", shared.Project, ctx.Stack()),
		out:       newOutputs(p),
	}
	err := runSteps([]step{
		{"regions and networks", b.buildRegions},
		{"peering", b.buildPeering},
		{"domain", b.buildZone},
		{"certificates", b.buildCertificates},
		{"log buckets", b.buildLogBuckets},
		{"app image", b.buildImage},
		{"job queue", b.buildQueue},
		{"databases", b.buildDatabases},
		{"caches", b.buildCaches},
		{"sessions", b.buildSessions},
		{"load balancers", b.buildLoadBalancers},
		{"cdn", b.buildCDN},
		{"observability", b.buildObservability},
		{"app config", b.buildAppConfig},
		{"hosts", b.buildHosts},
		{"dns records", b.buildDNS},
	})
	if err := b.settle(err); err != nil {
		return nil, err
	}
	return b.out, nil
}

// step is one stage of a builder; its name prefixes its error.
type step struct {
	what string
	run  func() error
}

// runSteps runs a builder's stages in order and stops at the first error.
func runSteps(steps []step) error {
	for _, st := range steps {
		if err := st.run(); err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
	}
	return nil
}

func (b *builder) buildRegions() error {
	specs := []*region{{role: "primary", name: b.s.PrimaryRegion, cidr: b.s.VPCCIDR}}
	if b.p.MultiRegion {
		specs = append(specs, &region{role: "secondary", suffix: "-secondary", name: b.s.SecondaryRegion, cidr: b.s.SecondaryCIDR})
	}
	for _, r := range specs {
		var err error
		r.lost = b.lost(r.name)
		// No default tags: components tag what they create explicitly (the
		// same keys in both would be set twice), so every tag shows in a diff.
		r.provider, err = aws.NewProvider(b.ctx, r.role, b.providerArgs(r.name))
		if err != nil {
			return err
		}
		if r.zones, err = b.zones(r); err != nil {
			return err
		}
		r.net, err = network.New(b.ctx, r.named("net"), &network.Args{
			CIDR:                 r.cidr,
			Zones:                r.zones,
			NAT:                  b.natStrategy(),
			FlowLogGroup:         b.paramPath + r.named("net") + "/flow-logs",
			FlowLogRetentionDays: b.s.LogRetentionDays,
			Tags:                 b.tags,
		}, r.opts())
		if err != nil {
			return err
		}
		r.clients = b.hostClients(r)
		b.regions = append(b.regions, r)
	}
	if err := b.lookUpAccount(); err != nil {
		return err
	}
	if !b.p.CDN {
		return nil
	}
	b.edge = b.primary().provider
	if b.s.PrimaryRegion != edgeRegion {
		var err error
		b.edge, err = aws.NewProvider(b.ctx, "edge", b.providerArgs(edgeRegion))
		return err
	}
	return nil
}

func (b *builder) primary() *region { return b.regions[0] }

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
