package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/stacks/plan"
)

// Outputs are the stack's exports. A value a phase does not have stays unset
// and is not exported, so `pulumi stack output` lists only what exists.
type Outputs struct {
	Phase   int
	Regions []string
	Next    string

	URL              pulumi.StringOutput
	ImageRef         pulumi.StringOutput
	AppConfigPath    string
	ServerIP         pulumi.StringOutput
	ServerInstanceID pulumi.StringOutput

	LoadBalancer          pulumi.StringOutput
	SecondaryLoadBalancer pulumi.StringOutput

	DBWriter          pulumi.StringOutput
	DBReaders         pulumi.StringArrayOutput
	DBSecretARN       pulumi.StringOutput
	SecondaryDBReader pulumi.StringOutput
	ShardMap          pulumi.StringOutput

	CacheEndpoint pulumi.StringOutput
	CDNURL        pulumi.StringOutput
	NameServers   pulumi.StringArrayOutput

	QueueURL           pulumi.StringOutput
	DeadLetterQueueURL pulumi.StringOutput
	JobsBucket         pulumi.StringOutput

	SessionsTable pulumi.StringOutput // the DynamoDB table, the same name in every region
}

// nextSteps tells a user what to do once a phase is up.
var nextSteps = map[int]string{
	1: "Open url; connect with `aws ssm start-session --target $(pulumi stack output serverInstanceId)`. Next: phase 2 moves the database to RDS.",
	2: "The app now writes to RDS (dbWriterEndpoint). Next: phase 3 puts a load balancer and a fleet in front.",
	3: "Traffic goes through the load balancer to the fleet in private subnets. Next: phase 4 adds read replicas.",
	4: "Reads go to dbReaderEndpoints, writes to dbWriterEndpoint. Next: phase 5 adds the cache and the CDN.",
	5: "Static assets come from cdnUrl; profiles are cached in cacheEndpoint. Next: phase 6 moves sessions to a shared store (DynamoDB).",
	6: "Sessions are shared (sessionsTable, which never evicts them): any instance serves any user, and the fleet scales on its target. Next: phase 7 adds a second region; it routes by geolocation in a hosted zone, so set domain to a name you control first (`pulumi config set domain shop.your-domain.com`).",
	7: "Each region serves its locations and takes over the other's on failure. Next: phase 8 adds the job queue.",
	8: "Send jobs to queueUrl; failed ones land in deadLetterQueueUrl. Next: phase 9 shards the users.",
	9: "Users are spread over the shards in shardMap by user id.",
}

func newOutputs(p plan.Plan) *Outputs {
	return &Outputs{Phase: p.Settings.Phase, Regions: p.Regions(), Next: httpsStep(p) + nextSteps[p.Settings.Phase]}
}

// httpsStep says how the site is served, and what it takes to get HTTPS.
func httpsStep(p plan.Plan) string {
	s := p.Settings
	switch {
	case p.HTTPS:
		return "Served over HTTPS at https://" + s.Domain + " (HTTP redirects). "
	case s.Domain != "" && p.SingleServer:
		return "Traffic is plain HTTP: the single server has no certificate; HTTPS comes with the load balancer (phase 3). "
	case s.Domain != "":
		return "Traffic is plain HTTP until ACM can validate certificates: delegate " + s.Domain + " to nameServers at your registrar, then `pulumi config set zoneDelegated true` and `pulumi up`. "
	default:
		return "Traffic is plain HTTP: for HTTPS set domain to a name you control (`pulumi config set domain shop.your-domain.com`), delegate it to the zone's nameServers, then set zoneDelegated true. "
	}
}

// Exports returns the stack outputs a phase has, by name; what a phase lacks
// is left out, so `pulumi stack output` lists only what exists.
func (o *Outputs) Exports() map[string]pulumi.Input {
	out := map[string]pulumi.Input{
		"phase":   pulumi.Int(o.Phase),
		"regions": pulumi.ToStringArray(o.Regions),
		"next":    pulumi.String(o.Next),
	}
	if o.AppConfigPath != "" { // the docker target hands settings to containers directly
		out["appConfigPath"] = pulumi.String(o.AppConfigPath)
	}
	optional := map[string]pulumi.StringOutput{
		"url":                   o.URL,
		"imageRef":              o.ImageRef,
		"serverPublicIp":        o.ServerIP,
		"serverInstanceId":      o.ServerInstanceID,
		"loadBalancerDnsName":   o.LoadBalancer,
		"secondaryLoadBalancer": o.SecondaryLoadBalancer,
		"dbWriterEndpoint":      o.DBWriter,
		"dbSecretArn":           o.DBSecretARN,
		"secondaryDbReader":     o.SecondaryDBReader,
		"shardMap":              o.ShardMap,
		"cacheEndpoint":         o.CacheEndpoint,
		"cdnUrl":                o.CDNURL,
		"queueUrl":              o.QueueURL,
		"deadLetterQueueUrl":    o.DeadLetterQueueURL,
		"jobsBucket":            o.JobsBucket,
		"sessionsTable":         o.SessionsTable,
	}
	for name, v := range optional {
		if v.OutputState != nil {
			out[name] = v
		}
	}
	if o.DBReaders.OutputState != nil {
		out["dbReaderEndpoints"] = o.DBReaders
	}
	if o.NameServers.OutputState != nil {
		out["nameServers"] = o.NameServers
	}
	return out
}
