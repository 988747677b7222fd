package plan

// Plan says which tiers a phase has and with which settings. Builders read it;
// they never compare phase numbers themselves, so "what phase N means" lives here.
type Plan struct {
	Settings Settings

	// SingleServer is the one host of phases 1-2. LocalData: PostgreSQL and Redis on it (phase 1).
	SingleServer bool
	LocalData    bool

	Database   bool // an RDS primary (phase 2 on)
	DBReplicas int  // same-region read replicas (phase 4 on)
	DBMultiAZ  bool // primary standby: from phase 4, where replicas exist, when dbMultiAz

	NAT           bool // private app subnets reach out through NAT (phase 3 on, where hosts live there)
	WebTier       bool // ALB + launch template + ASG (phase 3 on)
	Stickiness    bool // sessions live in each instance: phases 3-5
	TargetScaling bool // target-tracking autoscaling (phase 6 on)

	Cache          bool // ElastiCache (phase 5 on)
	CDN            bool // S3 + CloudFront (phase 5 on)
	SharedSessions bool // sessions in a shared store that never evicts them (phase 6 on): DynamoDB, a Redis of their own on docker

	MultiRegion bool // second region, geolocation DNS with failover (phase 7 on)
	// HTTPS: certificates for the load balancers and the CDN, from phase 3, on
	// a target with certificates (aws, localstack), once ACM can validate
	// them by DNS: a domain whose zone is delegated (or an existing zone).
	HTTPS  bool
	Queue  bool // SQS + DLQ + worker fleet (phase 8 on)
	Shards int  // shard databases (phase 9), 0 before
}

// For returns the plan of the settings' phase.
func For(s Settings) Plan {
	p := s.Phase
	pl := Plan{
		Settings:       s,
		SingleServer:   p <= 2,
		LocalData:      p == 1,
		Database:       p >= 2,
		NAT:            p >= 3,
		WebTier:        p >= 3,
		Stickiness:     p >= 3 && p <= 5,
		TargetScaling:  p >= 6,
		Cache:          p >= 5,
		CDN:            p >= 5,
		SharedSessions: p >= 6,
		MultiRegion:    p >= 7,
		Queue:          p >= 8,
		HTTPS:          p >= 3 && s.Target != "docker" && s.Domain != "" && (s.ZoneDelegated || s.HostedZoneID != ""),
	}
	if p >= 4 {
		pl.DBReplicas = s.DBReplicas
		pl.DBMultiAZ = s.DBMultiAZ
	}
	if p >= 9 {
		pl.Shards = s.Shards
	}
	return pl
}

// Regions lists the regions the plan uses, primary first.
func (p Plan) Regions() []string {
	if p.MultiRegion {
		return []string{p.Settings.PrimaryRegion, p.Settings.SecondaryRegion}
	}
	return []string{p.Settings.PrimaryRegion}
}
