package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/appsettings"
	"github.com/scalezero/scalezero/components/containers"
	"github.com/scalezero/scalezero/components/role"
	"github.com/scalezero/scalezero/components/sessions"
)

// Sessions and the login throttle's counts live, from phase 6 (when the
// fleet shares them), in a store that never evicts them: never in the
// profile cache, whose allkeys-lru evicts whatever was read least recently
// (a flood of profile reads logged every user out and reset the throttle).
// On AWS that is a DynamoDB table in the primary region, a global table with
// a replica in the second region from phase 7; each region's hosts call the
// replica in their own region.

func (b *builder) buildSessions() error {
	if !b.p.SharedSessions {
		return nil
	}
	var replicas []string
	for _, r := range b.regions[1:] {
		replicas = append(replicas, r.name)
	}
	var err error
	b.sessions, err = sessions.New(b.ctx, "sessions", &sessions.Args{
		Region: b.primary().name, ReplicaRegions: replicas,
		// Sessions are user data like the database's: the same protection.
		DeletionProtection: b.s.DBDeletionProtection,
		Tags:               b.tags,
	}, b.primary().opts())
	if err == nil {
		b.out.SessionsTable = b.sessions.Name
	}
	return err
}

// sessionValues are the session store's settings for region r's hosts: the
// table (its name is the same in every region) read through the replica
// of SCALEZERO_REGION, the host's own region.
func (b *builder) sessionValues(r *region, v map[string]pulumi.StringInput) {
	if b.sessions == nil {
		v[appsettings.Env(appsettings.SessionsStore)] = pulumi.String("memory")
		return
	}
	v[appsettings.Env(appsettings.SessionsStore)] = pulumi.String("dynamodb")
	v[appsettings.Env(appsettings.SessionsTable)] = b.sessions.Name
}

// sessionStatements let region r's web hosts use the table's replica in
// their own region, and nothing else of it.
func (b *builder) sessionStatements(r *region, kind string) []role.Statement {
	if b.sessions == nil || kind != "web" {
		return nil
	}
	arn := b.sessions.ARN
	if r.role != "primary" {
		arn = b.sessions.ARNIn(r.name)
	}
	return []role.Statement{{Sid: "Sessions", Actions: sessions.HostActions, Resources: pulumi.StringArray{arn}}}
}

// The docker target has no DynamoDB: from phase 6 a Redis container of its
// own stands in, with maxmemory-policy noeviction (full, it refuses writes:
// logins answer 503 instead of evicting anyone). It lives in the primary
// region's network, which the second region's web containers also join: the
// stand-in is not replicated and does not outlive that network.
func (b *dockerBuilder) buildSessions() error {
	if !b.p.SharedSessions {
		return nil
	}
	var err error
	b.sessions, err = containers.NewRedis(b.ctx, "sessions", &containers.RedisArgs{
		Networks: []containers.Network{b.primary().network}, AuthToken: b.localSecret("sessions-token", ""),
		MaxmemoryPolicy: "noeviction", Tags: b.tags,
	}, b.provider)
	return err
}

// sessionEnv is the session store's settings for the app containers.
func (b *dockerBuilder) sessionEnv(env map[string]pulumi.StringInput) {
	if b.sessions == nil {
		env[appsettings.Env(appsettings.SessionsStore)] = pulumi.String("memory")
		return
	}
	env[appsettings.Env(appsettings.SessionsStore)] = pulumi.String("redis")
	env[appsettings.Env(appsettings.SessionsRedisAddr)] = b.sessions.Addr
	env[appsettings.Env(appsettings.SessionsRedisPass)] = b.localSecret("sessions-token", "")
}
