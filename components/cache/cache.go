// Package cache builds an ElastiCache Redis replication group in the isolated
// data subnets: a primary and replicas across zones with automatic failover,
// encryption at rest and in transit, an auth token, and an eviction policy.
package cache

import (
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elasticache"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// Port is Redis's port.
const Port = 6379

// Policies are the maxmemory policies Redis accepts.
var Policies = []string{
	"allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu",
	"volatile-random", "volatile-ttl", "noeviction",
}

// Args configure a Cache.
type Args struct {
	VpcID           pulumi.StringInput
	SubnetIDs       pulumi.StringArrayInput // the data subnets
	Clients         shared.Clients
	NodeType        string
	Replicas        int    // at least 1: failover needs a replica
	MaxmemoryPolicy string // default allkeys-lru: a cache may drop any key
	// Engine is redis (the default: existing stacks keep it) or valkey,
	// which ElastiCache prices at 0.8x Redis OSS nodes. AWS can upgrade a
	// Redis OSS group to Valkey in place, but back, or where the preview
	// shows a replacement, the group is new and empty: every read misses to
	// the database until it warms, and the sessions it held are gone.
	Engine string
	// EngineVersion is major.minor (ElastiCache applies the patches):
	// default 7.1 for redis, 8.0 for valkey. Valkey takes 7.2 (parameter
	// group family valkey7) or 8.0-8.2 (valkey8).
	EngineVersion string
	// AuthToken is the AUTH password; nil makes one at the first deploy
	// (later runs' values are ignored, so it stays). Either way the token
	// in force is the AuthToken output.
	AuthToken pulumi.StringInput
	// SlowLogGroup receives Redis's slow log (commands over 10 ms), kept
	// LogRetentionDays; empty delivers none.
	SlowLogGroup     string
	LogRetentionDays int
	Tags             map[string]string
}

// Cache is the component.
type Cache struct {
	pulumi.ResourceState

	SecurityGroup    *ec2.SecurityGroup
	ReplicationGroup *elasticache.ReplicationGroup
	SlowLog          *cloudwatch.LogGroup

	PrimaryEndpoint pulumi.StringOutput
	ReaderEndpoint  pulumi.StringOutput
	AuthToken       pulumi.StringOutput // secret
	// ReplicationGroupID is the CloudWatch dimension of the group's nodes.
	ReplicationGroupID pulumi.StringOutput
}

// withDefaults returns a copy of the args with the defaults filled in: the
// caller's Args stay as it wrote them.
func (a *Args) withDefaults() *Args {
	c := *a
	if c.MaxmemoryPolicy == "" {
		c.MaxmemoryPolicy = "allkeys-lru"
	}
	if c.Engine == "" {
		c.Engine = "redis"
	}
	if c.EngineVersion == "" {
		c.EngineVersion = map[string]string{"redis": "7.1", "valkey": "8.0"}[c.Engine]
	}
	return &c
}

// Engines are the engines a Cache runs.
var Engines = []string{"redis", "valkey"}

// family is the parameter group family of an engine version, from the
// ElastiCache engine-specific parameters page
// (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html):
// Redis OSS 7.x is redis7; Valkey 7.2 is valkey7 and Valkey 8.x valkey8.
func family(engine, version string) (string, bool) {
	switch engine {
	case "redis":
		if strings.HasPrefix(version, "7.") {
			return "redis7", true
		}
	case "valkey":
		switch version {
		case "7.2":
			return "valkey7", true
		case "8.0", "8.1", "8.2":
			return "valkey8", true
		}
	}
	return "", false
}

func validate(a *Args) error {
	bad := shared.Invalid("cache")
	switch {
	case a == nil:
		return bad("args", nil, "non-nil Args")
	case a.VpcID == nil || a.SubnetIDs == nil:
		return bad("VpcID/SubnetIDs", "nil", "both set")
	case a.NodeType == "":
		return bad("NodeType", `""`, "an ElastiCache node type such as cache.t4g.small")
	case a.Replicas < 1 || a.Replicas > 5:
		return bad("Replicas", a.Replicas, "1 to 5 (automatic failover needs a replica)")
	case !slices.Contains(Policies, a.MaxmemoryPolicy):
		return bad("MaxmemoryPolicy", a.MaxmemoryPolicy, "one of "+strings.Join(Policies, ", "))
	case !slices.Contains(Engines, a.Engine):
		return bad("Engine", a.Engine, "redis or valkey")
	}
	if _, ok := family(a.Engine, a.EngineVersion); !ok {
		return bad("EngineVersion", a.EngineVersion, map[string]string{"redis": "a Redis OSS 7.x version such as 7.1", "valkey": "a Valkey version: 7.2, 8.0, 8.1 or 8.2"}[a.Engine])
	}
	return nil
}

// New creates the cache.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Cache, error) {
	if args != nil {
		args = args.withDefaults()
	}
	if err := validate(args); err != nil {
		return nil, err
	}
	c := &Cache{}
	if err := ctx.RegisterComponentResource(shared.Project+":cache:Cache", name, c, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)
	var err error
	if c.SecurityGroup, err = shared.SecurityGroup(ctx, name, name+": Redis from the app only", args.VpcID, args.Tags, child); err != nil {
		return nil, err
	}
	if err := shared.AllowClients(ctx, name, c.SecurityGroup, args.Clients, Port, child); err != nil {
		return nil, err
	}
	subnets, err := elasticache.NewSubnetGroup(ctx, name, &elasticache.SubnetGroupArgs{
		SubnetIds: args.SubnetIDs,
		Tags:      shared.Tags(args.Tags, name),
	}, child)
	if err != nil {
		return nil, err
	}
	paramFamily, _ := family(args.Engine, args.EngineVersion) // checked by validate
	params, err := elasticache.NewParameterGroup(ctx, name, &elasticache.ParameterGroupArgs{
		Family: pulumi.String(paramFamily),
		Parameters: elasticache.ParameterGroupParameterArray{
			elasticache.ParameterGroupParameterArgs{Name: pulumi.String("maxmemory-policy"), Value: pulumi.String(args.MaxmemoryPolicy)},
		},
		Tags: shared.Tags(args.Tags, name),
	}, child)
	if err != nil {
		return nil, err
	}
	var logs elasticache.ReplicationGroupLogDeliveryConfigurationArray
	if args.SlowLogGroup != "" {
		if c.SlowLog, err = cloudwatch.NewLogGroup(ctx, name+"-slow-log", &cloudwatch.LogGroupArgs{
			Name:            pulumi.String(args.SlowLogGroup),
			RetentionInDays: pulumi.Int(args.LogRetentionDays),
			Tags:            shared.Tags(args.Tags, name+"-slow-log"),
		}, child); err != nil {
			return nil, err
		}
		logs = elasticache.ReplicationGroupLogDeliveryConfigurationArray{elasticache.ReplicationGroupLogDeliveryConfigurationArgs{
			DestinationType: pulumi.String("cloudwatch-logs"),
			Destination:     c.SlowLog.Name,
			LogFormat:       pulumi.String("json"),
			LogType:         pulumi.String("slow-log"),
		}}
	}
	token, keep := args.AuthToken, pulumi.IgnoreChanges(nil)
	if token == nil {
		token, keep = shared.GeneratedSecret(64), pulumi.IgnoreChanges([]string{"authToken"})
	}
	c.ReplicationGroup, err = elasticache.NewReplicationGroup(ctx, name, &elasticache.ReplicationGroupArgs{
		Description:               pulumi.String(name + ": cache and sessions"),
		Engine:                    pulumi.String(args.Engine),
		EngineVersion:             pulumi.String(args.EngineVersion),
		NodeType:                  pulumi.String(args.NodeType),
		NumCacheClusters:          pulumi.Int(1 + args.Replicas),
		Port:                      pulumi.Int(Port),
		ParameterGroupName:        params.Name,
		SubnetGroupName:           subnets.Name,
		SecurityGroupIds:          pulumi.StringArray{c.SecurityGroup.ID()},
		AutomaticFailoverEnabled:  pulumi.Bool(true),
		MultiAzEnabled:            pulumi.Bool(true),
		AtRestEncryptionEnabled:   pulumi.Bool(true),
		TransitEncryptionEnabled:  pulumi.Bool(true),
		AuthToken:                 pulumi.ToSecret(token).(pulumi.StringOutput),
		SnapshotRetentionLimit:    pulumi.Int(1),
		LogDeliveryConfigurations: logs,
		// Changes such as a node type apply on `pulumi up`, not in the next
		// maintenance window.
		ApplyImmediately: pulumi.Bool(true),
		Tags:             shared.Tags(args.Tags, name),
	}, child, keep)
	if err != nil {
		return nil, err
	}
	c.PrimaryEndpoint = c.ReplicationGroup.PrimaryEndpointAddress
	c.ReaderEndpoint = c.ReplicationGroup.ReaderEndpointAddress
	c.ReplicationGroupID = c.ReplicationGroup.ID().ToStringOutput()
	c.AuthToken = pulumi.ToSecret(c.ReplicationGroup.AuthToken.Elem()).(pulumi.StringOutput)
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"primaryEndpoint": c.PrimaryEndpoint,
		"readerEndpoint":  c.ReaderEndpoint,
	})
}
