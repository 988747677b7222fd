package stacks

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/app/assets"
	"github.com/scalezero/scalezero/components/appconfig"
	"github.com/scalezero/scalezero/components/boot"
	"github.com/scalezero/scalezero/components/cache"
	"github.com/scalezero/scalezero/components/cdn"
	"github.com/scalezero/scalezero/components/certificate"
	"github.com/scalezero/scalezero/components/database"
	"github.com/scalezero/scalezero/components/dns"
	"github.com/scalezero/scalezero/components/fleet"
	"github.com/scalezero/scalezero/components/image"
	"github.com/scalezero/scalezero/components/logs"
	"github.com/scalezero/scalezero/components/network"
	"github.com/scalezero/scalezero/components/observability"
	"github.com/scalezero/scalezero/components/peering"
	"github.com/scalezero/scalezero/components/queue"
	"github.com/scalezero/scalezero/components/role"
	"github.com/scalezero/scalezero/components/sessions"
	"github.com/scalezero/scalezero/components/shared"
	"github.com/scalezero/scalezero/components/singleserver"
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
		{"dashboards", b.finishObservability},
	})
	if err != nil {
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
			AvailabilityZones:    r.zones,
			NAT:                  b.natStrategy(),
			FlowLogGroup:         b.paramPath + r.named("net") + "/flow-logs",
			FlowLogRetentionDays: b.s.LogRetentionDays,
			Tags:                 b.tags,
		}, r.opts())
		if err != nil {
			return err
		}
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

// natStrategy is the app subnets' way out: from the phase whose hosts live
// there, one gateway or one per zone (natGateways).
func (b *builder) natStrategy() network.NATStrategy {
	switch {
	case !b.p.NAT:
		return network.NATNone
	case b.s.NATPerAZ:
		return network.NATPerAZ
	}
	return network.NATSingle
}

// buildPeering connects the second region's VPC to the primary's: its hosts
// write to the primary region's database and read its shards.
func (b *builder) buildPeering() error {
	for _, r := range b.regions[1:] {
		if _, err := peering.New(b.ctx, "peering", &peering.Args{
			Primary: b.primary().net, Remote: r.net, RemoteRegion: r.name, RemoteProvider: r.provider, Tags: b.tags,
		}, b.primary().opts()); err != nil {
			return err
		}
	}
	return nil
}

// staticName is the CDN's name under the domain (with HTTPS).
func (b *builder) staticName() string { return "static." + b.s.Domain }

func (b *builder) buildZone() error {
	if b.s.Domain == "" {
		return nil
	}
	var err error
	b.zone, err = dns.NewZone(b.ctx, "zone", &dns.ZoneArgs{Domain: b.s.Domain, ZoneID: b.s.HostedZoneID, Tags: b.tags}, b.primary().opts())
	if err == nil {
		b.out.NameServers = b.zone.NameServers
	}
	return err
}

// buildCertificates requests each region's load balancer certificate and
// the CDN's, validated in the zone. Nothing but the listeners and the
// distribution waits for them.
func (b *builder) buildCertificates() error {
	if !b.p.HTTPS {
		return nil
	}
	var validated pulumi.StringInput // the domain's record, made with the first certificate
	for _, r := range b.regions {
		var err error
		r.cert, err = certificate.New(b.ctx, r.named("cert"), &certificate.Args{
			Domain: b.s.Domain, ZoneID: b.zone.ZoneID, ValidatedBy: validated, Tags: b.tags,
		}, r.opts())
		if err != nil {
			return err
		}
		validated = r.cert.RecordFQDN
	}
	if !b.p.CDN {
		return nil
	}
	var err error
	b.cdnCert, err = certificate.New(b.ctx, "cdn-cert", &certificate.Args{
		Domain: b.staticName(), ZoneID: b.zone.ZoneID, Tags: b.tags,
	}, b.edgeOpts())
	return err
}

// buildLogBuckets makes each region's access-log bucket, from the phase that
// has a load balancer.
func (b *builder) buildLogBuckets() error {
	if !b.p.WebTier {
		return nil
	}
	for _, r := range b.regions {
		var err error
		if r.logs, err = logs.NewBucket(b.ctx, r.named("logs"), &logs.BucketArgs{
			Region:        r.name,
			RetentionDays: b.s.LogRetentionDays,
			ForceDestroy:  b.s.BucketForceDestroy,
			AccountID:     b.account,
			Tags:          b.tags,
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

// secretRegions are the other regions whose hosts read the databases'
// secrets: each gets its own copy, so it does not depend on the primary
// region to open a connection to its local replica.
func (b *builder) secretRegions() []string {
	var out []string
	for _, r := range b.regions[1:] {
		out = append(out, r.name)
	}
	return out
}

func (b *builder) databaseArgs(r *region, replicas int, multiAZ bool) *database.Args {
	return &database.Args{
		VpcID:                r.net.VpcID,
		SubnetIDs:            r.net.DataSubnetIDs,
		Zones:                r.zones,
		InstanceClass:        b.s.DBInstanceClass,
		AllocatedStorage:     b.s.DBAllocatedStorage,
		MaxAllocatedStorage:  b.s.DBMaxAllocatedStorage,
		EngineVersion:        b.s.DBEngineVersion,
		BackupRetentionDays:  b.s.DBBackupRetentionDays,
		MultiAZ:              multiAZ,
		DeletionProtection:   b.s.DBDeletionProtection,
		SkipFinalSnapshot:    b.s.DBSkipFinalSnapshot,
		Replicas:             replicas,
		SecretReplicaRegions: b.secretRegions(),
		LogRetentionDays:     b.s.LogRetentionDays,
		Tags:                 b.tags,
	}
}

func (b *builder) buildDatabases() error {
	if !b.p.Database {
		return nil
	}
	prim := b.primary()
	var err error
	if b.db, err = database.New(b.ctx, "db", b.databaseArgs(prim, b.p.DBReplicas, b.p.DBMultiAZ), prim.opts()); err != nil {
		return err
	}
	prim.writer, prim.readers = b.db.WriterEndpoint, b.db.ReaderEndpoints
	prim.databases = append(prim.databases, b.db)
	b.out.DBWriter = b.db.WriterEndpoint
	if b.p.DBReplicas > 0 {
		b.out.DBReaders = b.db.ReaderEndpoints
	}
	b.out.DBSecretARN = b.db.SecretARN
	for i := range b.p.Shards {
		shard, err := database.New(b.ctx, fmt.Sprintf("shard-%d", i), b.databaseArgs(prim, b.s.ShardReplicas, b.s.DBMultiAZ), prim.opts())
		if err != nil {
			return fmt.Errorf("shard %d: %w", i, err)
		}
		b.shards = append(b.shards, shard)
		prim.databases = append(prim.databases, shard)
	}
	if b.p.MultiRegion {
		if err := b.buildSecondaryCopies(b.regions[1]); err != nil {
			return err
		}
	}
	if len(b.shards) > 0 {
		prim.shardMap = shardMap(b.shards, nil, false)
		b.out.ShardMap = prim.shardMap
	}
	return nil
}

// buildSecondaryCopies makes the second region's copies of the main
// database and of each shard (phase 9): cross-region replicas its hosts read
// locally, which a failover (writerRegion) promotes to its writers.
func (b *builder) buildSecondaryCopies(sec *region) error {
	promoted := b.s.WriterRole() == sec.role
	copyOf := func(name string, source *database.Database) (*database.Database, error) {
		args := b.databaseArgs(sec, 0, false)
		args.ReplicaOf = &database.ReplicaSource{SourceARN: source.InstanceARN, Promoted: promoted}
		args.SecretReplicaRegions = nil
		c, err := database.New(b.ctx, name, args, sec.opts())
		if err == nil {
			sec.databases = append(sec.databases, c)
		}
		return c, err
	}
	main, err := copyOf("db-secondary", b.db)
	if err != nil {
		return err
	}
	b.secondaryDBs = append(b.secondaryDBs, main)
	sec.writer, sec.readers = b.db.WriterEndpoint, pulumi.StringArray{main.WriterEndpoint}.ToStringArrayOutput()
	if promoted {
		sec.writer = main.WriterEndpoint
	}
	b.out.SecondaryDBReader = main.WriterEndpoint
	for i, shard := range b.shards {
		c, err := copyOf(fmt.Sprintf("shard-%d-secondary", i), shard)
		if err != nil {
			return fmt.Errorf("shard %d: %w", i, err)
		}
		b.secondaryShards = append(b.secondaryShards, c)
	}
	if len(b.shards) > 0 {
		sec.shardMap = shardMap(b.shards, b.secondaryShards, promoted)
	}
	return nil
}

// ShardEntry is one shard of the map handed to the app.
type ShardEntry struct {
	ID      int      `json:"id"`
	Writer  string   `json:"writer"`
	Readers []string `json:"readers"`
}

// shardMap is the shard map one region's hosts read: each shard's writer
// and readers. With copies (the second region's), reads go to the local
// copy, and writes too once the copies are promoted.
func shardMap(shards, copies []*database.Database, promoted bool) pulumi.StringOutput {
	parts := make([]any, 0, 2*len(shards))
	for i, s := range shards {
		writer, readers := s.WriterEndpoint, s.ReaderEndpoints
		if copies != nil {
			readers = pulumi.StringArray{copies[i].WriterEndpoint}.ToStringArrayOutput()
			if promoted {
				writer = copies[i].WriterEndpoint
			}
		}
		parts = append(parts, writer, readers)
	}
	return pulumi.All(parts...).ApplyT(func(v []any) (string, error) {
		entries := make([]ShardEntry, len(shards))
		for i := range shards {
			entries[i] = ShardEntry{ID: i, Writer: v[2*i].(string), Readers: v[2*i+1].([]string)}
		}
		out, err := json.Marshal(entries)
		return string(out), err
	}).(pulumi.StringOutput)
}

func (b *builder) buildCaches() error {
	if !b.p.Cache {
		return nil
	}
	for _, r := range b.regions {
		args := &cache.Args{
			VpcID:            r.net.VpcID,
			SubnetIDs:        r.net.DataSubnetIDs,
			NodeType:         b.s.CacheNodeType,
			Replicas:         b.s.CacheReplicas,
			MaxmemoryPolicy:  b.s.CacheMaxmemoryPolicy,
			Engine:           b.s.CacheEngine,
			SlowLogGroup:     b.paramPath + r.named("cache") + "/slow-log",
			LogRetentionDays: b.s.LogRetentionDays,
			Tags:             b.tags,
		}
		if b.s.CacheAuthToken != "" { // else the cache makes its own
			args.AuthToken = pulumi.ToSecret(pulumi.String(b.s.CacheAuthToken)).(pulumi.StringOutput)
		}
		var err error
		if r.cache, err = cache.New(b.ctx, r.named("cache"), args, r.opts()); err != nil {
			return err
		}
		if r.role == "primary" {
			b.out.CacheEndpoint = r.cache.PrimaryEndpoint
		}
	}
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
			ZoneCount:          len(r.zones),
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

func (b *builder) buildCDN() error {
	if !b.p.CDN {
		return nil
	}
	files, err := assets.All()
	if err != nil {
		return fmt.Errorf("read app assets: %w", err)
	}
	objects := make([]cdn.Object, len(files))
	for i, f := range files {
		objects[i] = cdn.Object{Key: f.Key(), ContentType: f.ContentType, Body: string(f.Body), CacheControl: assets.CacheControl}
	}
	prim := b.primary()
	args := &cdn.Args{
		// The dynamic origin: with HTTPS, the domain (a name on the load
		// balancers' certificates; with two regions it is geo-routed, so
		// each edge reaches the nearest healthy region); else the primary
		// load balancer. HTTPS means the zone is delegated: before that,
		// the domain does not resolve for CloudFront, so a second region
		// alone does not make the domain the origin.
		OriginDomain: prim.web.DNSName,
		PriceClass:   b.s.CDNPriceClass,
		MinTTL:       b.s.CDNMinTTL,
		DefaultTTL:   b.s.CDNDefaultTTL,
		MaxTTL:       b.s.CDNMaxTTL,
		Objects:      objects,
		LogBucketARN: prim.logs.ARN,
		LogPrefix:    logs.CDNPrefix,
		// The delivery waits for the bucket's policy.
		LogBucketPolicy: prim.logs.Policy,
		Tags:            b.tags,
	}
	if b.p.HTTPS {
		args.OriginDomain = pulumi.String(b.s.Domain).ToStringOutput()
		args.OriginHTTPS = true
		args.Alias, args.CertificateARN = b.staticName(), b.cdnCert.ARN
	}
	if b.cdn, err = cdn.New(b.ctx, "cdn", args, b.edgeOpts()); err != nil {
		return err
	}
	b.out.CDNURL = b.cdn.BaseURL
	return nil
}

// secretARNs lists the database secrets the hosts of region r read: in the
// primary region the secrets themselves, elsewhere their copies there.
func (b *builder) secretARNs(r *region) map[string]pulumi.StringOutput {
	arn := func(d *database.Database) pulumi.StringOutput {
		if r.role == "primary" {
			return d.SecretARN
		}
		return d.SecretARNIn(r.name)
	}
	out := map[string]pulumi.StringOutput{}
	if b.db != nil {
		out["SCALEZERO_DATABASE_SECRET_ARN"] = arn(b.db)
	}
	for i, s := range b.shards {
		out[fmt.Sprintf("SCALEZERO_SHARD_%d_SECRET_ARN", i)] = arn(s)
	}
	return out
}

// appValues are the settings one region's hosts read (see components/boot).
func (b *builder) appValues(r *region) (values, secrets map[string]pulumi.StringInput) {
	v := map[string]pulumi.StringInput{
		"SCALEZERO_IMAGE":         r.image.Ref,
		"SCALEZERO_REGION":        pulumi.String(r.name),
		"SCALEZERO_DATABASE_NAME": pulumi.String("app"),
		// Proxies in front that add to X-Forwarded-For: the load balancer,
		// from phase 3 (the app throttles logins per client address). The
		// CDN's dynamic path is not counted: clients reach the site at the
		// domain or the load balancer, and a larger count would let a
		// client that reaches the load balancer directly choose its address.
		"SCALEZERO_PROXY_HOPS": pulumi.String(fmt.Sprint(btoi(b.p.WebTier))),
		// The app's metrics, as Embedded Metric Format lines in the log
		// stream the awslogs driver ships; CloudWatch extracts them.
		"SCALEZERO_METRICS_EMF_INTERVAL": pulumi.String("60s"),
	}
	b.sessionValues(r, v)
	s := map[string]pulumi.StringInput{}
	if b.p.LocalData {
		v[boot.LocalDataKey] = pulumi.String("true")
		v["SCALEZERO_DATABASE_HOST"] = pulumi.String("127.0.0.1")
		v["SCALEZERO_DATABASE_USER"] = pulumi.String("app")
		v["SCALEZERO_CACHE_ADDR"] = pulumi.String("127.0.0.1:6379")
	}
	if b.db != nil {
		// Writes go to the writer region's primary, from every region.
		v["SCALEZERO_DATABASE_HOST"] = r.writer
		v["SCALEZERO_DATABASE_TLS"] = pulumi.String("true")
		if b.p.DBReplicas > 0 || r.role == "secondary" {
			v["SCALEZERO_DATABASE_READER_HOSTS"] = r.readers.ApplyT(func(h []string) string { return strings.Join(h, ",") }).(pulumi.StringOutput)
		}
	}
	for k, arn := range b.secretARNs(r) {
		v[k] = arn
	}
	if r.cache != nil {
		v["SCALEZERO_CACHE_ADDR"] = pulumi.Sprintf("%s:%d", r.cache.PrimaryEndpoint, cache.Port)
		v["SCALEZERO_CACHE_TLS"] = pulumi.String("true")
		s["SCALEZERO_CACHE_PASSWORD"] = r.cache.AuthToken
	}
	if b.cdn != nil {
		v["SCALEZERO_CDN_BASE_URL"] = b.cdn.BaseURL
	}
	b.jobValues(r, v)
	if len(b.shards) > 0 {
		v["SCALEZERO_DATABASE_SHARDS"] = r.shardMap
	}
	return v, s
}

// cookieKeys is the app's cookie-signing keys: the configured ones, else
// one the primary region makes once and the other regions copy, so a
// cookie signed in one region verifies in the other.
const cookieKeys = "SCALEZERO_COOKIE_KEYS"

func (b *builder) buildAppConfig() error {
	for _, r := range b.regions {
		values, secrets := b.appValues(r)
		args := &appconfig.Args{Path: b.paramPath, Values: values, Secrets: secrets, Tags: b.tags}
		switch {
		case b.s.CookieKeys != "":
			secrets[cookieKeys] = pulumi.ToSecret(pulumi.String(b.s.CookieKeys)).(pulumi.StringOutput)
		case r.role == "primary":
			args.Generated = map[string]pulumi.StringInput{cookieKeys: shared.GeneratedKey(32)}
		default:
			secrets[cookieKeys] = b.primary().config.Parameters[cookieKeys].Value
		}
		var err error
		if r.config, err = appconfig.New(b.ctx, r.named("app-config"), args, r.opts()); err != nil {
			return err
		}
	}
	b.out.AppConfigPath = b.paramPath
	return nil
}

// statements are the inline IAM statements of a host role ("server", "web"
// or "worker") in region r.
func (b *builder) statements(r *region, kind string) []role.Statement {
	st := []role.Statement{{
		Sid:       "ReadAppConfig",
		Actions:   []string{"ssm:GetParametersByPath", "ssm:GetParameters", "ssm:GetParameter"},
		Resources: pulumi.ToStringArray([]string{appconfig.ReadResource(b.paramPath)}),
	}}
	st = append(st, role.Statement{
		Sid:       "WriteLogs",
		Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resources: pulumi.ToStringArray([]string{fmt.Sprintf("arn:aws:logs:%s:*:log-group:%s:*", r.name, observability.LogGroupName(b.paramPath, logService(kind)))}),
	})
	if arns := b.secretARNs(r); len(arns) > 0 {
		list := pulumi.StringArray{}
		for _, k := range shared.SortedKeys(arns) {
			list = append(list, arns[k])
		}
		st = append(st, role.Statement{Sid: "ReadDatabaseSecrets", Actions: []string{"secretsmanager:GetSecretValue"}, Resources: list})
	}
	st = append(st, b.sessionStatements(r, kind)...)
	return append(st, b.jobStatements(r, kind)...)
}

// logService is the app service a host kind runs: the single server is web.
func logService(kind string) string {
	if kind == "worker" {
		return "worker"
	}
	return "web"
}

func (b *builder) newRole(r *region, kind string) (*role.Role, error) {
	return role.New(b.ctx, r.named(kind+"-role"), &role.Args{Statements: b.statements(r, kind), Tags: b.tags}, r.opts())
}

// admit lets a client's security group into the region's data tier (its
// databases and cache), and a second region's hosts into the primary
// region's databases, through the peering, by their subnets' blocks. Those
// blocks are the region's app subnets, where its web hosts and workers both
// run: the web hosts' rules admit the workers too (the same rule twice AWS
// refuses as a duplicate).
func (b *builder) admit(r *region, client string, sg pulumi.StringInput) error {
	clients := shared.Clients{client: sg}
	for _, d := range r.databases {
		if err := d.Admit(b.ctx, clients); err != nil {
			return err
		}
	}
	if r.role != "primary" && client == "web" {
		for _, d := range b.primary().databases {
			if err := d.AdmitRemote(b.ctx, r.named(client), r.net.AppCIDRs); err != nil {
				return err
			}
		}
	}
	if r.cache != nil {
		return r.cache.Admit(b.ctx, clients)
	}
	return nil
}

func (b *builder) buildHosts() error {
	if b.p.SingleServer {
		return b.buildServer()
	}
	for _, r := range b.regions {
		if err := b.buildWeb(r); err != nil {
			return err
		}
	}
	if b.p.Queue {
		for _, r := range b.regions {
			if err := b.buildWorkers(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *builder) buildServer() error {
	r := b.primary()
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
		SubnetID:        r.net.PublicSubnets[0].ID(),
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
	b.out.ServerInstanceID = srv.Instance.ID().ToStringOutput()
	b.out.URL = pulumi.Sprintf("http://%s", srv.PublicIP)
	return b.admit(r, "server", srv.SecurityGroupID)
}

// fleetArgs are a fleet's hosts in region r: they boot after the region's
// settings exist and carry their digest, so a change in them rolls the fleet.
func (b *builder) fleetArgs(r *region, kind, instanceType string, min, desired, max int, profile pulumi.StringInput) (fleet.Args, error) {
	opts := boot.Options{Role: kind, Region: r.name, ParamPath: b.paramPath, LogGroup: observability.LogGroupName(b.paramPath, kind)}
	if r.role != "primary" {
		opts.PeeredCIDRs = []string{b.primary().net.CIDR} // its databases, through the peering
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
	return b.admit(r, "web", r.web.SecurityGroupID)
}

func (b *builder) target(r *region) *dns.Target {
	return &dns.Target{DNSName: r.web.DNSName, ZoneID: r.web.ZoneID, HTTPS: r.cert != nil}
}

func (b *builder) buildDNS() error {
	if b.zone == nil {
		return nil
	}
	args := &dns.Args{Zone: b.zone, Tags: b.tags}
	switch {
	case b.p.MultiRegion:
		args.Primary, args.Secondary = b.target(b.regions[0]), b.target(b.regions[1])
		for _, g := range b.s.GeoLocations {
			args.Locations = append(args.Locations, dns.Location{Continent: g.Continent, Country: g.Country, Secondary: g.Secondary})
		}
	case b.p.SingleServer:
		args.Single = &dns.Target{IP: b.out.ServerIP}
	default:
		args.Single = b.target(b.primary())
	}
	if b.p.HTTPS && b.cdn != nil {
		args.CDN = &dns.Target{DNSName: b.cdn.DomainName, ZoneID: b.cdn.ZoneID}
		args.StaticName = b.staticName()
	}
	var err error
	if b.dns, err = dns.New(b.ctx, "dns", args, b.primary().opts()); err != nil {
		return err
	}
	scheme := "http://"
	if b.p.HTTPS {
		scheme = "https://"
	}
	b.out.URL = pulumi.String(scheme + b.s.Domain).ToStringOutput()
	return nil
}

// buildObservability watches each region's tiers (and, where the primary
// region is not us-east-1, the global metrics from there).
func (b *builder) buildObservability() error {
	for _, r := range b.regions {
		args := &observability.Args{
			Region:        r.name,
			DashboardName: fmt.Sprintf("%s-%s-%s", shared.Project, b.ctx.Stack(), r.role),
			LogGroups:     []string{"web"},
			LogGroupPath:  b.paramPath,
			RetentionDays: b.s.LogRetentionDays,
			AlertEmail:    b.s.AlertEmail,
			Databases:     b.watchedDatabases(r),
			AccountID:     b.account,
			Tags:          b.tags,
		}
		if r.web != nil {
			args.LoadBalancers = []observability.LoadBalancer{{Name: r.named("web"), ARNSuffix: r.web.ARNSuffix, TargetGroupARNSuffix: r.web.TargetGroupARNSuffix}}
		}
		if r.cache != nil {
			args.Caches = []observability.Cache{{Name: r.named("cache"), ReplicationGroupID: r.cache.ReplicationGroup.ID().ToStringOutput(), Nodes: 1 + b.s.CacheReplicas}}
		}
		if r.queue != nil {
			args.LogGroups = append(args.LogGroups, "worker")
			args.Queues = []observability.Queue{{Name: r.named("jobs"), QueueName: r.queue.QueueName, DLQName: r.queue.DeadLetterQueue.Name, OldestMessageSecond: 2 * b.s.QueueVisibilitySeconds}}
		}
		if r.role == "primary" && b.cdn != nil {
			args.DistributionID = b.cdn.DistributionID
		}
		var err error
		if r.watch, err = observability.New(b.ctx, r.named("observability"), args, r.opts()); err != nil {
			return err
		}
	}
	if b.s.PrimaryRegion == observability.EdgeRegion || (b.cdn == nil && !b.p.MultiRegion) {
		return nil
	}
	args := &observability.Args{Region: observability.EdgeRegion, RetentionDays: b.s.LogRetentionDays, AlertEmail: b.s.AlertEmail, AccountID: b.account, Tags: b.tags}
	if b.cdn != nil {
		args.DistributionID = b.cdn.DistributionID
	}
	var err error
	b.edgeWatch, err = observability.New(b.ctx, "observability-edge", args, b.edgeOpts())
	return err
}

// watchedDatabases are the RDS instances of region r: writers and replicas.
func (b *builder) watchedDatabases(r *region) []observability.Database {
	var out []observability.Database
	add := func(d *database.Database, name string, replicaOf bool) {
		if d == nil {
			return
		}
		out = append(out, observability.Database{Name: name, Identifier: d.Primary.Identifier, Replica: replicaOf, StorageGiB: b.s.DBAllocatedStorage})
		for i, rep := range d.Replicas {
			out = append(out, observability.Database{Name: fmt.Sprintf("%s-replica-%d", name, i+1), Identifier: rep.Identifier, Replica: true, StorageGiB: b.s.DBAllocatedStorage})
		}
	}
	if r.role == "primary" {
		add(b.db, "db", false)
		for i, s := range b.shards {
			add(s, fmt.Sprintf("shard-%d", i), false)
		}
		return out
	}
	promoted := b.s.WriterRole() == r.role
	for _, rd := range b.secondaryDBs {
		add(rd, "db-secondary", !promoted)
	}
	for i, c := range b.secondaryShards {
		add(c, fmt.Sprintf("shard-%d-secondary", i), !promoted)
	}
	return out
}

// finishObservability watches the hosts and health checks and draws each
// region's dashboard.
func (b *builder) finishObservability() error {
	var checks []observability.HealthCheck
	if b.dns != nil {
		for i, hc := range b.dns.HealthChecks {
			checks = append(checks, observability.HealthCheck{Name: b.regions[i].named("region"), ID: hc.ID().ToStringOutput()})
		}
	}
	for _, r := range b.regions {
		late := &observability.Late{}
		if r.web != nil && r.web.Fleet != nil {
			late.Fleets = append(late.Fleets, observability.Fleet{Name: r.named("web"), Service: "web", GroupName: r.web.Fleet.GroupName})
		}
		if r.worker != nil {
			late.Fleets = append(late.Fleets, observability.Fleet{Name: r.named("worker"), Service: "worker", GroupName: r.worker.Fleet.GroupName})
		}
		if r.role == "primary" {
			if b.p.SingleServer {
				late.Server = &observability.Server{Name: "server", InstanceID: b.out.ServerInstanceID}
			}
			late.HealthChecks = checks
		}
		if err := r.watch.Finish(b.ctx, late); err != nil {
			return err
		}
	}
	if b.edgeWatch != nil {
		return b.edgeWatch.Finish(b.ctx, &observability.Late{HealthChecks: checks})
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
