package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/appsettings"
	"github.com/scalezero/scalezero/components/cache"
	"github.com/scalezero/scalezero/components/database"
	"github.com/scalezero/scalezero/stacks/plan"
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
		Clients:              r.clients,
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
	var sec *region
	if b.p.MultiRegion {
		sec = b.regions[1]
	}
	names := []string{"db"}
	for i := range b.p.Shards {
		names = append(names, fmt.Sprintf("shard-%d", i))
	}
	for i, name := range names {
		first, copy, err := b.databasePair(prim, sec, name, i == 0)
		if err != nil {
			if i > 0 {
				return fmt.Errorf("shard %d: %w", i-1, err)
			}
			return err
		}
		prim.databases = append(prim.databases, first)
		if i == 0 {
			b.db = first
		} else {
			b.shards = append(b.shards, first)
		}
		if copy == nil {
			continue
		}
		sec.databases = append(sec.databases, copy)
		if i == 0 {
			b.secondaryDBs = append(b.secondaryDBs, copy)
		} else {
			b.secondaryShards = append(b.secondaryShards, copy)
		}
	}
	b.out.DBWriter = b.db.WriterEndpoint
	if b.p.DBReplicas > 0 {
		b.out.DBReaders = b.db.ReaderEndpoints
	}
	b.out.DBSecretARN = b.db.SecretARN
	b.routeDatabases(prim, sec)
	return nil
}

// databasePair makes one database (the main one, or a shard) in the first
// region and, from phase 7, its counterpart in the second: the writer
// region's instance first, as the other one may replicate from it.
func (b *builder) databasePair(prim, sec *region, name string, main bool) (first, copy *database.Database, err error) {
	replicas, multiAZ := b.s.ShardReplicas, b.s.DBMultiAZ
	if main {
		replicas, multiAZ = b.p.DBReplicas, b.p.DBMultiAZ
	}
	if sec == nil {
		first, err = database.New(b.ctx, name, b.databaseArgs(prim, replicas, multiAZ), prim.opts())
		return first, nil, err
	}
	if b.s.WriterRole() == "primary" {
		if first, err = b.firstRegionDatabase(prim, name, replicas, multiAZ, nil); err != nil {
			return nil, nil, err
		}
		copy, err = b.secondCopy(sec, name, first, false)
		return first, copy, err
	}
	// The second region holds the writers: its copies are promoted. A lost
	// first region keeps what it has (nothing is sent there); once it
	// answers, its old primaries' replicas go (they replay what the stale
	// primaries hold), and its copies replicate from the promoted ones.
	if copy, err = b.secondCopy(sec, name, nil, true); err != nil {
		return nil, nil, err
	}
	if !prim.lost {
		replicas = 0
	}
	first, err = b.firstRegionDatabase(prim, name, replicas, multiAZ, copy)
	return first, copy, err
}

// firstRegionDatabase is a database of the first region: the original
// primary, or (primaryDatabases copies) the copy a failback rebuilt, a
// replica of source while the second region holds the writers and promoted
// otherwise. A copy keeps the secret the original had.
func (b *builder) firstRegionDatabase(prim *region, name string, replicas int, multiAZ bool, source *database.Database) (*database.Database, error) {
	args := b.databaseArgs(prim, replicas, multiAZ)
	args.Retiring = b.s.PrimaryRetires()
	if b.s.PrimaryCopyForm() {
		args.ReplicaOf = &database.ReplicaSource{Promoted: true, KeepsSecret: true}
		if b.s.PrimaryHoldsCopies() {
			args.ReplicaOf = &database.ReplicaSource{SourceARN: source.InstanceARN, KeepsSecret: true}
		}
	}
	return database.New(b.ctx, name, args, prim.opts())
}

// secondCopy is the second region's copy of a database: a cross-region
// replica of source its hosts read locally, which a failover (writerRegion)
// promotes to its writer. Promoted and about to be replaced by a replica of
// the first region again (writes paused before the switchover back), it is
// retired first, as the first region's old primaries are.
func (b *builder) secondCopy(sec *region, name string, source *database.Database, promoted bool) (*database.Database, error) {
	args := b.databaseArgs(sec, 0, false)
	args.ReplicaOf = &database.ReplicaSource{Promoted: promoted}
	if source != nil {
		args.ReplicaOf.SourceARN = source.InstanceARN
	}
	args.Retiring = promoted && b.s.WritesPaused && b.s.PrimaryDatabases == plan.PrimaryCopies
	args.SecretReplicaRegions = nil
	return database.New(b.ctx, name+"-secondary", args, sec.opts())
}

// routeDatabases tells each region's hosts where to write and read: the
// writer region's instances take the writes of both; reads stay in a region,
// except while the first region's old primaries are retiring (they miss
// what the second region wrote since the failover). A lost region's hosts
// are told nothing new: they cannot be reached.
func (b *builder) routeDatabases(prim, sec *region) {
	prim.writer, prim.readers = b.db.WriterEndpoint, b.db.ReaderEndpoints
	prim.shardMap = shardMap(b.shards, nil)
	if sec != nil {
		main := b.secondaryDBs[0]
		b.out.SecondaryDBReader = main.WriterEndpoint
		sec.writer, sec.readers = b.db.WriterEndpoint, pulumi.StringArray{main.WriterEndpoint}.ToStringArrayOutput()
		sec.shardMap = shardMap(b.shards, b.secondaryShards)
		if b.s.WriterRole() == "secondary" {
			sec.writer, sec.shardMap = main.WriterEndpoint, shardMap(b.secondaryShards, b.secondaryShards)
		}
		if b.s.WriterRole() == "secondary" && !prim.lost {
			local, localShards := b.db, b.shards
			if b.s.PrimaryRetires() {
				local, localShards = main, b.secondaryShards
			}
			prim.writer, prim.readers = main.WriterEndpoint, pulumi.StringArray{local.WriterEndpoint}.ToStringArrayOutput()
			prim.shardMap = shardMap(b.secondaryShards, localShards)
		}
	}
	if len(b.shards) > 0 {
		b.out.ShardMap = prim.shardMap
	}
}

// shardMap is the shard map one region's hosts read: each shard's writer
// (writers[i]) and readers: the writer's own replicas, or with copies the
// copy copies[i] (a region's local copy).
func shardMap(writers, copies []*database.Database) pulumi.StringOutput {
	if len(writers) == 0 {
		return pulumi.StringOutput{}
	}
	parts := make([]any, 0, 2*len(writers))
	for i, w := range writers {
		readers := w.ReaderEndpoints
		if copies != nil {
			readers = pulumi.StringArray{copies[i].WriterEndpoint}.ToStringArrayOutput()
		}
		parts = append(parts, w.WriterEndpoint, readers)
	}
	return pulumi.All(parts...).ApplyT(func(v []any) (string, error) {
		entries := make([]appsettings.Shard, len(writers))
		for i := range writers {
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
			Clients:          r.clients,
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
