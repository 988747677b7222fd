package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/appsettings"
	"github.com/scalezero/scalezero/components/cache"
	"github.com/scalezero/scalezero/components/database"
)

// The aws target: the data tiers: databases and their copies, shards, caches, the job queue.

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
		Clients:              r.hosts.ids,
		RemoteClients:        b.remoteClients(r),
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
		entries := make([]appsettings.Shard, len(shards))
		for i := range shards {
			entries[i] = appsettings.Shard{ID: i, Writer: v[2*i].(string), Readers: v[2*i+1].([]string)}
		}
		return appsettings.EncodeShards(entries)
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
			Clients:          r.hosts.ids,
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
