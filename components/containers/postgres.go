package containers

import (
	_ "embed"
	"fmt"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// ReplicaScript starts a streaming replica; its first start copies the
// primary with pg_basebackup.
//
//go:embed replica.sh
var ReplicaScript string

// replicationHBA lets replicas on the stack's networks stream from the
// primary; the image runs it once, when it creates the cluster. Uploads are
// owned by root, so the image's entrypoint (running as postgres) sources it
// rather than executing it: it sets no shell options.
const replicationHBA = `#!/usr/bin/env bash
# Lets the stack's replicas stream from this primary.
echo "host replication all all trust" >> "$PGDATA/pg_hba.conf"
`

const dataDir = "/var/lib/postgresql/data"

// pgHealth passes once the server accepts connections over TCP: the image's
// first start runs its init scripts on a server listening on the socket
// alone, which a check on the socket would take for the real one.
var pgHealth = []string{"CMD", "pg_isready", "-q", "-h", "127.0.0.1", "-U", superuser, "-d", "app"}

// superuser is the role the image creates (POSTGRES_USER): the app's, as the
// app's settings name it, and the one replicas copy the primary as.
const superuser = "app"

// PostgresArgs configure a Postgres.
type PostgresArgs struct {
	Networks []Network
	Replicas int
	Tags     map[string]string
}

// Postgres is a PostgreSQL primary on its own volume, with streaming
// replicas. Only the stack's networks reach it (no host port), with trust
// authentication: a local stand-in, never an internet-facing database.
type Postgres struct {
	pulumi.ResourceState

	Primary  *docker.Container
	Replicas []*Replica

	Host         pulumi.StringOutput // the primary's name on the networks
	ReplicaHosts pulumi.StringArrayOutput
	// Name and ReplicaNames are the same names, known while the program runs.
	Name         string
	ReplicaNames []string
}

// New creates the primary and its replicas.
func NewPostgres(ctx *pulumi.Context, name string, args *PostgresArgs, opts ...pulumi.ResourceOption) (*Postgres, error) {
	bad := shared.Invalid("containers.Postgres")
	switch {
	case args == nil:
		return nil, bad("args", nil, "non-nil PostgresArgs")
	case args.Replicas < 0 || args.Replicas > 15:
		return nil, bad("Replicas", args.Replicas, "0 to 15")
	}
	if err := needNetworks("containers.Postgres", args.Networks); err != nil {
		return nil, err
	}
	pg := &Postgres{}
	if err := ctx.RegisterComponentResource(shared.Project+":containers:Postgres", name, pg, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(pg)
	var err error
	if pg.Primary, err = (service{name: name, nets: args.Networks, tags: args.Tags, ref: PostgresImage, volumeAt: dataDir, health: pgHealth}).run(ctx, pg, docker.ContainerArgs{
		Envs:    pulumi.ToStringArray([]string{"POSTGRES_USER=" + superuser, "POSTGRES_DB=app", "POSTGRES_HOST_AUTH_METHOD=trust"}),
		Command: pulumi.ToStringArray([]string{"postgres", "-c", "wal_keep_size=256MB"}),
		Uploads: docker.ContainerUploadArray{upload("/docker-entrypoint-initdb.d/10-replication.sh", replicationHBA, true)},
	}); err != nil {
		return nil, err
	}
	hosts := make([]string, args.Replicas)
	for i := range args.Replicas {
		hosts[i] = fmt.Sprintf("%s-replica-%d", name, i)
		r, err := NewReplica(ctx, hosts[i], &ReplicaArgs{Primary: name, Networks: args.Networks, Tags: args.Tags},
			child, pulumi.DependsOn([]pulumi.Resource{pg.Primary}))
		if err != nil {
			return nil, err
		}
		pg.Replicas = append(pg.Replicas, r)
	}
	pg.Name, pg.ReplicaNames = name, hosts
	pg.Host = pulumi.String(name).ToStringOutput()
	pg.ReplicaHosts = pulumi.ToStringArray(hosts).ToStringArrayOutput()
	return pg, ctx.RegisterResourceOutputs(pg, pulumi.Map{"host": pg.Host, "replicaHosts": pg.ReplicaHosts})
}

// ReplicaArgs configure a Replica.
type ReplicaArgs struct {
	Primary  string    // the primary's name on the networks
	Networks []Network // one of them must reach the primary
	Tags     map[string]string
}

// Replica is a streaming replica of a Postgres primary on its own volume.
type Replica struct {
	pulumi.ResourceState
	Container *docker.Container
	Host      pulumi.StringOutput
}

// NewReplica creates a replica; in another "region" it joins that region's
// network and the primary's.
func NewReplica(ctx *pulumi.Context, name string, args *ReplicaArgs, opts ...pulumi.ResourceOption) (*Replica, error) {
	if args == nil || args.Primary == "" {
		return nil, &shared.ArgError{Component: "containers.Replica", Arg: "Primary", Value: "empty", Allowed: "the primary's container name"}
	}
	if err := needNetworks("containers.Replica", args.Networks); err != nil {
		return nil, err
	}
	r := &Replica{}
	if err := ctx.RegisterComponentResource(shared.Project+":containers:Replica", name, r, opts...); err != nil {
		return nil, err
	}
	var err error
	if r.Container, err = (service{name: name, nets: args.Networks, tags: args.Tags, ref: PostgresImage, volumeAt: dataDir, health: pgHealth}).run(ctx, r, docker.ContainerArgs{
		User:        pulumi.String("postgres"),
		Entrypoints: pulumi.ToStringArray([]string{"bash", "/usr/local/bin/replica.sh"}),
		// The primary's superuser is the app's role (POSTGRES_USER); it copies.
		Envs:    pulumi.ToStringArray([]string{"PRIMARY_HOST=" + args.Primary, "PRIMARY_USER=" + superuser, "PGDATA=" + dataDir + "/pgdata"}),
		Uploads: docker.ContainerUploadArray{upload("/usr/local/bin/replica.sh", ReplicaScript, true)},
	}); err != nil {
		return nil, err
	}
	r.Host = pulumi.String(name).ToStringOutput()
	return r, ctx.RegisterResourceOutputs(r, pulumi.Map{"host": r.Host})
}
