package stacks

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/appsettings"
	"github.com/scalezero/scalezero/components/appconfig"
	"github.com/scalezero/scalezero/components/boot"
	"github.com/scalezero/scalezero/components/cache"
	"github.com/scalezero/scalezero/components/database"
	"github.com/scalezero/scalezero/components/shared"
)

// The aws target: the settings each region's hosts read, published in SSM.

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
		out[appsettings.Env(appsettings.DatabaseSecretARN)] = arn(b.db)
	}
	for i, s := range b.shards {
		out[appsettings.Env(appsettings.ShardSecretARN(i))] = arn(s)
	}
	return out
}

// appValues are the settings one region's hosts read (see components/boot).
func (b *builder) appValues(r *region) (values, secrets map[string]pulumi.StringInput) {
	v := map[string]pulumi.StringInput{
		appsettings.Env(appsettings.Image):        r.image.Ref,
		appsettings.Env(appsettings.Region):       pulumi.String(r.name),
		appsettings.Env(appsettings.DatabaseName): pulumi.String("app"),
		// Proxies in front that add to X-Forwarded-For: the load balancer,
		// from phase 3 (the app throttles logins per client address). The
		// CDN's dynamic path is not counted: clients reach the site at the
		// domain or the load balancer, and a larger count would let a
		// client that reaches the load balancer directly choose its address.
		appsettings.Env(appsettings.ProxyHops): pulumi.String(fmt.Sprint(btoi(b.p.WebTier))),
		// The app's metrics, as Embedded Metric Format lines in the log
		// stream the awslogs driver ships; CloudWatch extracts them.
		appsettings.Env(appsettings.MetricsEMFInterval): pulumi.String("60s"),
	}
	b.sessionValues(r, v)
	s := map[string]pulumi.StringInput{}
	if b.p.LocalData {
		v[boot.LocalDataKey] = pulumi.String("true")
		v[appsettings.Env(appsettings.DatabaseHost)] = pulumi.String("127.0.0.1")
		v[appsettings.Env(appsettings.DatabaseUser)] = pulumi.String("app")
		v[appsettings.Env(appsettings.CacheAddr)] = pulumi.String("127.0.0.1:6379")
	}
	if b.db != nil {
		// Writes go to the writer region's primary, from every region.
		v[appsettings.Env(appsettings.DatabaseHost)] = r.writer
		v[appsettings.Env(appsettings.DatabaseTLS)] = pulumi.String("true")
		if b.p.DBReplicas > 0 || r.role == "secondary" {
			v[appsettings.Env(appsettings.DatabaseReaderHosts)] = r.readers.ApplyT(func(h []string) string { return strings.Join(h, ",") }).(pulumi.StringOutput)
		}
	}
	for k, arn := range b.secretARNs(r) {
		v[k] = arn
	}
	if r.cache != nil {
		v[appsettings.Env(appsettings.CacheAddr)] = pulumi.Sprintf("%s:%d", r.cache.PrimaryEndpoint, cache.Port)
		v[appsettings.Env(appsettings.CacheTLS)] = pulumi.String("true")
		s[appsettings.Env(appsettings.CachePassword)] = r.cache.AuthToken
	}
	if b.cdn != nil {
		v[appsettings.Env(appsettings.CDNBaseURL)] = b.cdn.BaseURL
	}
	b.jobValues(r, v)
	b.switchoverValues(v)
	if len(b.shards) > 0 {
		v[appsettings.Env(appsettings.DatabaseShards)] = r.shardMap
	}
	return v, s
}

// cookieKeys is the app's cookie-signing keys: the configured ones, else
// one the primary region makes once and the other regions copy, so a
// cookie signed in one region verifies in the other.
var cookieKeys = appsettings.Env(appsettings.CookieKeys)

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
			keys, err := b.primary().config.Value(cookieKeys)
			if err != nil {
				return err
			}
			secrets[cookieKeys] = keys
		}
		var err error
		if r.config, err = appconfig.New(b.ctx, r.named("app-config"), args, r.opts()); err != nil {
			return err
		}
	}
	b.out.AppConfigPath = b.paramPath
	return nil
}
