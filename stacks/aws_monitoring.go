package stacks

import (
	"fmt"

	"github.com/scalezero/scalezero/components/database"
	"github.com/scalezero/scalezero/components/observability"
	"github.com/scalezero/scalezero/components/shared"
)

// The aws target: log groups, alarms and dashboards per region.

// buildObservability watches each region's tiers (and, where the primary
// region is not us-east-1, the global metrics from there).
func (b *builder) buildObservability() error {
	checks := b.watchedHealthChecks()
	for _, r := range b.regions {
		args := &observability.Args{
			Region:           r.name,
			DashboardName:    fmt.Sprintf("%s-%s-%s", shared.Project, b.ctx.Stack(), r.role),
			LogGroups:        []string{"web"},
			LogGroupPath:     b.paramPath,
			LogRetentionDays: b.s.LogRetentionDays,
			AlertEmail:       b.s.AlertEmail,
			Databases:        b.watchedDatabases(r),
			AccountID:        b.account,
			Tags:             b.tags,
		}
		if r.web != nil {
			args.LoadBalancers = []observability.LoadBalancer{{Name: r.named("web"), ARNSuffix: r.web.ARNSuffix, TargetGroupARNSuffix: r.web.TargetGroupARNSuffix}}
		}
		if r.cache != nil {
			args.Caches = []observability.Cache{{Name: r.named("cache"), ReplicationGroupID: r.cache.ReplicationGroupID, Nodes: 1 + b.s.CacheReplicas}}
		}
		if r.queue != nil {
			args.LogGroups = append(args.LogGroups, "worker")
			args.Queues = []observability.Queue{{Name: r.named("jobs"), QueueName: r.queue.QueueName, DLQName: r.queue.DeadLetterQueueName, OldestMessageSecond: 2 * b.s.QueueVisibilitySeconds}}
		}
		if r.role == "primary" && b.cdn != nil {
			args.DistributionID = b.cdn.DistributionID
		}
		args.Fleets = b.watchedFleets(r)
		if r.role == "primary" {
			if b.p.SingleServer {
				args.Server = &observability.Server{Name: "server", InstanceID: b.promise(serverInstanceKey)}
			}
			args.HealthChecks = checks
		}
		var err error
		if r.watch, err = observability.New(b.ctx, r.named("observability"), args, r.opts()); err != nil {
			return err
		}
	}
	if b.s.PrimaryRegion == observability.EdgeRegion || (b.cdn == nil && !b.p.MultiRegion) {
		return nil
	}
	args := &observability.Args{Region: observability.EdgeRegion, LogRetentionDays: b.s.LogRetentionDays, AlertEmail: b.s.AlertEmail, AccountID: b.account, Tags: b.tags, HealthChecks: checks}
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
		copies := b.s.PrimaryHoldsCopies() // replicas of the second region's writers
		add(b.db, "db", copies)
		for i, s := range b.shards {
			add(s, fmt.Sprintf("shard-%d", i), copies)
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

// watchedFleets are region r's fleets, their groups' names promised: the
// fleets are made after observability, whose log groups they write to.
func (b *builder) watchedFleets(r *region) []observability.Fleet {
	var out []observability.Fleet
	for _, kind := range b.hostKinds(r) {
		if kind != "server" {
			out = append(out, observability.Fleet{Name: r.named(kind), Service: kind, GroupName: b.promise(groupNameKey(r, kind))})
		}
	}
	return out
}

// watchedHealthChecks are the DNS's health checks of each region's load
// balancer (a domain across two regions), promised: the DNS comes after
// the load balancers and the CDN.
func (b *builder) watchedHealthChecks() []observability.HealthCheck {
	if b.zone == nil || !b.p.MultiRegion {
		return nil
	}
	var out []observability.HealthCheck
	for _, r := range b.regions {
		out = append(out, observability.HealthCheck{Name: r.named("region"), ID: b.promise(healthCheckKey(r))})
	}
	return out
}

func healthCheckKey(r *region) string { return r.named("region") + " health check" }
