package stacks

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/app/assets"
	"github.com/scalezero/scalezero/appsettings"
	"github.com/scalezero/scalezero/components/containers"
	"github.com/scalezero/scalezero/components/shared"
	"github.com/scalezero/scalezero/stacks/plan"
)

// The docker target builds each phase's tiers as containers on one Docker
// host: a network per region, PostgreSQL with streaming replicas, Redis,
// nginx as the load balancer and as the CDN, the SQS/S3 emulator, and the app
// image built from app/Dockerfile running as web and worker containers. What
// has no local stand-in is left out and said so: autoscaling (fixed counts),
// geolocation DNS (each region's load balancer has its own port), NAT and
// IAM. The app reads the same settings as on AWS, as environment variables.

// dockerRegion is one region's network and what lives in it.
type dockerRegion struct {
	role    string // primary or secondary
	suffix  string
	name    string // the AWS region it stands for (the app reports it)
	port    int    // its site's host port
	network containers.Network
	readers []string // read replicas of the main database in this region
	cache   *containers.Redis
}

func (r *dockerRegion) named(base string) string { return base + r.suffix }

type dockerBuilder struct {
	ctx      *pulumi.Context
	p        plan.Plan
	s        plan.Settings
	tags     map[string]string
	provider pulumi.ResourceOption
	regions  []*dockerRegion
	image    pulumi.StringOutput
	dbHost   string
	shards   []*containers.Postgres
	jobs     *containers.JobTier
	cdn      *containers.CDN
	sessions *containers.Redis // from phase 6: the sessions' own Redis
	out      *Outputs
}

// dockerNextSteps replace the AWS ones: what to open and try after `pulumi up`.
var dockerNextSteps = map[int]string{
	1: "Open url: the app, PostgreSQL and Redis as on one host. Next: phase 2 moves the database out.",
	2: "The app now uses the separate database container (db). Next: phase 3 puts nginx and two web containers in front.",
	3: "nginx (url) spreads requests over the web containers, each client kept on one. Next: phase 4 adds read replicas.",
	4: "Reads go to the replicas (dbReaderEndpoints); stop one with `docker stop` and reads fall back. Next: phase 5 adds Redis and the CDN.",
	5: "Static files come from cdnUrl; profiles are cached in Redis. Next: phase 6 shares sessions.",
	6: "Sessions are in a Redis of their own (noeviction, not the cache) and nginx no longer pins clients. Next: phase 7 adds a second region.",
	7: "The second region answers on secondaryLoadBalancer, with its own replica and cache. Next: phase 8 adds the job queue.",
	8: "POST a picture to /api/me/avatar; the worker containers make the avatar. Next: phase 9 shards the users.",
	9: "Users are spread over the shard containers in shardMap by user id.",
}

// BuildDocker declares the plan's tiers as containers.
func BuildDocker(ctx *pulumi.Context, p plan.Plan) (*Outputs, error) {
	b := &dockerBuilder{
		ctx:  ctx,
		p:    p,
		s:    p.Settings,
		tags: map[string]string{"project": shared.Project, "stack": ctx.Stack()},
		out:  newOutputs(p),
	}
	b.out.Next = dockerNextSteps[p.Settings.Phase]
	err := runSteps([]step{
		{"docker host and networks", b.buildNetworks},
		{"app image", b.buildImage},
		{"databases", b.buildDatabases},
		{"caches", b.buildCaches},
		{"sessions", b.buildSessions},
		{"job tier", b.buildJobs},
		{"cdn", b.buildCDN},
		{"app containers", b.buildApps},
	})
	if err != nil {
		return nil, err
	}
	return b.out, nil
}

func (b *dockerBuilder) buildNetworks() error {
	args := &docker.ProviderArgs{}
	if b.s.DockerHost != "" {
		args.Host = pulumi.String(b.s.DockerHost)
	}
	prov, err := docker.NewProvider(b.ctx, "docker", args)
	if err != nil {
		return err
	}
	b.provider = pulumi.Provider(prov)
	specs := []*dockerRegion{{role: "primary", name: b.s.PrimaryRegion, port: b.s.LocalPort}}
	if b.p.MultiRegion {
		specs = append(specs, &dockerRegion{role: "secondary", suffix: "-secondary", name: b.s.SecondaryRegion, port: b.s.LocalPort + 1})
	}
	for _, r := range specs {
		n, err := docker.NewNetwork(b.ctx, r.named("net"), &docker.NetworkArgs{
			Labels: docker.NetworkLabelArray{docker.NetworkLabelArgs{Label: pulumi.String("scalezero.stack"), Value: pulumi.String(b.ctx.Stack())}},
		}, b.provider)
		if err != nil {
			return err
		}
		r.network = containers.Network{Name: n.Name}
		b.regions = append(b.regions, r)
	}
	return nil
}

func (b *dockerBuilder) primary() *dockerRegion { return b.regions[0] }

// buildImage builds the app image on the Docker host; it is not pushed
// anywhere. Its id changes with its content, so containers follow a rebuild.
func (b *dockerBuilder) buildImage() error {
	img, err := docker.NewImage(b.ctx, "app", &docker.ImageArgs{
		ImageName: pulumi.Sprintf("scalezero-app:%s", b.ctx.Stack()),
		Build: docker.DockerBuildArgs{
			Context:    pulumi.String("."),
			Dockerfile: pulumi.String("app/Dockerfile"),
		},
		SkipPush: pulumi.Bool(true),
	}, b.provider)
	if err != nil {
		return err
	}
	b.image = img.RepoDigest // a local image's id
	b.out.ImageRef = img.RepoDigest
	return nil
}

func (b *dockerBuilder) buildDatabases() error {
	pr := b.primary()
	switch {
	case b.p.LocalData:
		// Phase 1: the database belongs to the server, as on its one host.
		if _, err := containers.NewPostgres(b.ctx, "server-db", &containers.PostgresArgs{Networks: []containers.Network{pr.network}, Tags: b.tags}, b.provider); err != nil {
			return err
		}
		b.dbHost = "server-db"
		b.out.DBWriter = pulumi.String(b.dbHost).ToStringOutput()
		return nil
	case !b.p.Database:
		return nil
	}
	// The main database, its replicas, the shards and the job tier live on
	// the primary region's network; the other region's containers join it.
	db, err := containers.NewPostgres(b.ctx, "db", &containers.PostgresArgs{Networks: []containers.Network{pr.network}, Replicas: b.p.DBReplicas, Tags: b.tags}, b.provider)
	if err != nil {
		return err
	}
	b.dbHost = "db"
	b.out.DBWriter = db.Host
	pr.readers = db.ReplicaNames
	if b.p.DBReplicas > 0 {
		b.out.DBReaders = db.ReplicaHosts
	}
	for _, r := range b.regions[1:] {
		// The other region reads its own copy: a replica on its network and
		// the primary's (to stream from it), as the cross-region replica.
		rep, err := containers.NewReplica(b.ctx, r.named("db-replica"), &containers.ReplicaArgs{
			Primary: "db", Networks: []containers.Network{r.network, pr.network}, Tags: b.tags,
		}, b.provider, pulumi.DependsOn([]pulumi.Resource{db.Primary}))
		if err != nil {
			return err
		}
		r.readers = []string{r.named("db-replica")}
		b.out.SecondaryDBReader = rep.Host
	}
	for i := range b.p.Shards {
		sh, err := containers.NewPostgres(b.ctx, fmt.Sprintf("shard-%d", i), &containers.PostgresArgs{Networks: []containers.Network{pr.network}, Replicas: b.s.ShardReplicas, Tags: b.tags}, b.provider)
		if err != nil {
			return err
		}
		b.shards = append(b.shards, sh)
	}
	if len(b.shards) > 0 {
		b.out.ShardMap = pulumi.String(b.shardMap()).ToStringOutput()
	}
	return nil
}

// shardMap is database.shards as the app reads it: the shards' writers and
// readers by id (the same shape the AWS target publishes).
func (b *dockerBuilder) shardMap() string {
	entries := make([]appsettings.Shard, len(b.shards))
	for i, sh := range b.shards {
		entries[i] = appsettings.Shard{ID: i, Writer: sh.Name, Readers: append([]string{}, sh.ReplicaNames...)}
	}
	out, _ := appsettings.EncodeShards(entries) // strings only: cannot fail
	return out
}

func (b *dockerBuilder) buildCaches() error {
	if b.p.LocalData {
		c, err := containers.NewRedis(b.ctx, "server-cache", &containers.RedisArgs{
			Networks: []containers.Network{b.primary().network}, MaxmemoryPolicy: b.s.CacheMaxmemoryPolicy, Tags: b.tags,
		}, b.provider)
		if err != nil {
			return err
		}
		b.primary().cache = c
		return nil
	}
	if !b.p.Cache {
		return nil
	}
	for _, r := range b.regions {
		c, err := containers.NewRedis(b.ctx, r.named("cache"), &containers.RedisArgs{
			Networks: []containers.Network{r.network}, AuthToken: b.localSecret("cache-token", b.s.CacheAuthToken),
			MaxmemoryPolicy: b.s.CacheMaxmemoryPolicy, Tags: b.tags,
		}, b.provider)
		if err != nil {
			return err
		}
		r.cache = c
	}
	b.out.CacheEndpoint = b.primary().cache.Addr
	return nil
}

func (b *dockerBuilder) buildJobs() error {
	if !b.p.Queue {
		return nil
	}
	var err error
	b.jobs, err = containers.NewJobTier(b.ctx, "jobs", &containers.JobTierArgs{
		Region: b.s.PrimaryRegion, VisibilityTimeoutSeconds: b.s.QueueVisibilitySeconds, MaxReceiveCount: b.s.QueueMaxReceiveCount,
		Networks: []containers.Network{b.primary().network}, Tags: b.tags,
	}, b.provider)
	if err != nil {
		return err
	}
	b.out.QueueURL, b.out.DeadLetterQueueURL, b.out.JobsBucket = b.jobs.QueueURL, b.jobs.DLQURL, b.jobs.BucketName
	return nil
}

func (b *dockerBuilder) buildCDN() error {
	if !b.p.CDN {
		return nil
	}
	all, err := assets.All()
	if err != nil {
		return fmt.Errorf("read app assets: %w", err)
	}
	files := map[string][]byte{}
	for _, a := range all {
		files[a.Key()] = a.Body
	}
	b.cdn, err = containers.NewCDN(b.ctx, "cdn", &containers.CDNArgs{
		Files: files, Headers: assets.CacheControl, HostPort: b.s.LocalPort + 10, HostIP: b.s.LocalBindAddress,
		Networks: []containers.Network{b.primary().network}, Tags: b.tags,
	}, b.provider)
	if err != nil {
		return err
	}
	b.out.CDNURL = b.cdn.BaseURL
	return nil
}

// appEnv is the app's settings in region r: the names the app reads, the
// same as the AWS target's SSM parameters.
func (b *dockerBuilder) appEnv(r *dockerRegion) map[string]pulumi.StringInput {
	env := map[string]pulumi.StringInput{
		appsettings.Env(appsettings.Region):       pulumi.String(r.name),
		appsettings.Env(appsettings.DatabaseHost): pulumi.String(b.dbHost),
		// nginx, from phase 3, adds the client's address to X-Forwarded-For.
		appsettings.Env(appsettings.ProxyHops): pulumi.String(fmt.Sprint(btoi(b.p.WebTier))),
	}
	b.sessionEnv(env)
	if len(r.readers) > 0 {
		env[appsettings.Env(appsettings.DatabaseReaderHosts)] = pulumi.String(strings.Join(r.readers, ","))
	}
	if r.cache != nil {
		env[appsettings.Env(appsettings.CacheAddr)] = r.cache.Addr
		if b.p.Cache {
			env[appsettings.Env(appsettings.CachePassword)] = b.localSecret("cache-token", b.s.CacheAuthToken)
		}
	}
	env[appsettings.Env(appsettings.CookieKeys)] = b.localSecret("cookie-keys", b.s.CookieKeys)
	if b.cdn != nil {
		env[appsettings.Env(appsettings.CDNBaseURL)] = b.cdn.BaseURL
	}
	if b.jobs != nil {
		env[appsettings.Env(appsettings.QueueURL)] = b.jobs.QueueURL
		env[appsettings.Env(appsettings.JobsBucket)] = b.jobs.BucketName
		// One emulator holds the one queue and bucket both regions' containers
		// use (on AWS each region has its own): every container names the
		// primary region as theirs, so the jobs it records and the clients
		// that read them agree.
		env[appsettings.Env(appsettings.JobsRegion)] = pulumi.String(b.s.PrimaryRegion)
		env[appsettings.Env(appsettings.AWSEndpoint)] = b.jobs.Endpoint
		env[appsettings.Env(appsettings.WorkerJobTimeout)] = pulumi.String(fmt.Sprintf("%ds", b.s.JobTimeoutSeconds))
		// The emulator takes any credentials; the SDK wants some.
		env["AWS_ACCESS_KEY_ID"] = pulumi.String("local")
		env["AWS_SECRET_ACCESS_KEY"] = pulumi.String("local")
	}
	if len(b.shards) > 0 {
		env[appsettings.Env(appsettings.DatabaseShards)] = pulumi.String(b.shardMap())
	}
	return env
}

func (b *dockerBuilder) buildApps() error {
	pr := b.primary()
	if b.p.SingleServer {
		if _, err := containers.NewAppFleet(b.ctx, "server", &containers.AppFleetArgs{
			Role: "web", Count: 1, Image: b.image, Env: b.appEnv(pr), Networks: []containers.Network{pr.network},
			HostPort: pr.port, HostIP: b.s.LocalBindAddress, TakesOver: containers.LoadBalancerContainerURN(b.ctx, pr.named("lb")), Tags: b.tags,
		}, b.provider); err != nil {
			return err
		}
		b.out.URL = pulumi.Sprintf("http://%s:%d", loopback(b.s.LocalBindAddress), pr.port)
		return nil
	}
	for _, r := range b.regions {
		// A secondary region's web containers write to the primary's database.
		nets := []containers.Network{r.network}
		if r != pr {
			nets = append(nets, pr.network)
		}
		web, err := containers.NewAppFleet(b.ctx, r.named("web"), &containers.AppFleetArgs{
			Role: "web", Count: b.s.WebDesired, Image: b.image, Env: b.appEnv(r), Networks: nets, Tags: b.tags,
		}, b.provider)
		if err != nil {
			return err
		}
		deps := make([]pulumi.Resource, len(web.Containers))
		for i, c := range web.Containers {
			deps[i] = c
		}
		lbArgs := &containers.LoadBalancerArgs{
			Backends: web.Hosts, Sticky: b.p.Stickiness, HostPort: r.port, HostIP: b.s.LocalBindAddress, Networks: []containers.Network{r.network}, Tags: b.tags,
			After: deps,
		}
		if r == pr {
			// The primary site's port was the single server's (phases 1-2).
			lbArgs.TakesOver = containers.FleetContainerURN(b.ctx, "server", 0)
		}
		lb, err := containers.NewLoadBalancer(b.ctx, r.named("lb"), lbArgs, b.provider)
		if err != nil {
			return err
		}
		if r == pr {
			b.out.URL, b.out.LoadBalancer = lb.URL, lb.URL
		} else {
			b.out.SecondaryLoadBalancer = lb.URL
		}
	}
	if b.p.Queue {
		if _, err := containers.NewAppFleet(b.ctx, "worker", &containers.AppFleetArgs{
			Role: "worker", Count: max(b.s.WorkerMin, 1), Image: b.image, Env: b.appEnv(pr), Networks: []containers.Network{pr.network}, Tags: b.tags,
		}, b.provider); err != nil {
			return err
		}
	}
	return nil
}

// loopback is the address a published port answers on from the host itself.
func loopback(bind string) string {
	if bind == "0.0.0.0" {
		return "127.0.0.1"
	}
	return bind
}

// localSecret is a secret of the local stand-ins: the configured value, else
// one derived from the stack's name. A random one would differ on every run
// and replace the containers that hold it each time; the stand-ins are
// reachable only on the stack's own networks (this is not a deployment), and
// the value is still held as a Pulumi secret.
func (b *dockerBuilder) localSecret(purpose, configured string) pulumi.StringOutput {
	v := configured
	if v == "" {
		sum := sha256.Sum256([]byte(shared.Project + "/" + b.ctx.Stack() + "/" + purpose))
		v = hex.EncodeToString(sum[:])
	}
	return pulumi.ToSecret(pulumi.String(v)).(pulumi.StringOutput)
}
