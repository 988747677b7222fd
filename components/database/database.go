// Package database builds an RDS PostgreSQL primary in the isolated data
// subnets with its read replicas, or (ReplicaOf set) a read replica of a
// primary in another region, e.g. the second data center of phase 7.
//
// The master password is generated at deploy time and kept in a Secrets
// Manager secret the stack owns, not one RDS manages: RDS refuses read
// replicas of a source whose master password Secrets Manager manages (RDS
// User Guide, "Limitations for Secrets Manager integration with Amazon
// RDS"), and phases only grow, so every primary may get replicas. The app
// reads the secret when it opens a connection, so a rotated password reaches
// running hosts.
package database

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// Port is PostgreSQL's port; the security group admits only it.
const Port = 5432

// ReplicaSource makes the component's writer a cross-region read replica.
type ReplicaSource struct {
	SourceARN pulumi.StringInput // the source instance's ARN (cross-region needs the ARN)
	// Promoted makes the copy a standalone primary: its replication source
	// is dropped, which the provider carries out in place as RDS's
	// PromoteReadReplica (a failover). The copy keeps its automated backups
	// (retention of at least a day), so it may have replicas of its own,
	// and a named final snapshot like a primary's.
	Promoted bool
	// KeepsSecret keeps the master secret a primary of this name had: a
	// copy rebuilt in the region of the original primary (a failback)
	// shares its source's password, which is the original one, and the
	// hosts of both regions read the secret and its regional copies.
	KeepsSecret bool
}

// Args configure a Database.
type Args struct {
	VpcID     pulumi.StringInput
	SubnetIDs pulumi.StringArrayInput // the data subnets
	Zones     []string                // replicas are spread over these, starting after the primary's
	Clients   shared.Clients          // security groups admitted on 5432
	// RemoteClients are hosts of peered VPCs in other regions, admitted by
	// the blocks of their subnets (a security group there cannot be named
	// here).
	RemoteClients []shared.RemoteClient

	InstanceClass       string
	AllocatedStorage    int
	MaxAllocatedStorage int
	// EngineVersion is a major version ("16"): RDS picks the minor and
	// upgrades it; a pinned minor would make the provider try to go back.
	EngineVersion       string
	BackupRetentionDays int
	MultiAZ             bool
	DeletionProtection  bool
	SkipFinalSnapshot   bool
	Replicas            int
	// Retiring prepares the writer instance to be replaced (by a copy of
	// another region's, the next step of a failback or switchover): its
	// deletion protection goes off, since RDS refuses to delete a
	// protected instance and a replacement deletes the old one first (the
	// instance's identifier is its own), and it keeps a named final
	// snapshot. Every other input keeps what the instance's state holds, in
	// whichever form (primary or promoted copy) it was created.
	Retiring bool

	DBName   string // default "app"
	Username string // default "app"
	// SecretReplicaRegions copy the master secret into other regions, so
	// hosts there read it from their own region (phase 7's second region).
	SecretReplicaRegions []string
	// LogRetentionDays keeps each instance's exported PostgreSQL log this
	// long (one of CloudWatch Logs' periods); 0 exports none.
	LogRetentionDays int

	ReplicaOf *ReplicaSource
	Tags      map[string]string
}

// Database is the component.
type Database struct {
	pulumi.ResourceState

	SecurityGroup  *ec2.SecurityGroup
	SubnetGroup    *rds.SubnetGroup
	ParameterGroup *rds.ParameterGroup
	Primary        *rds.Instance
	Replicas       []*rds.Instance
	Key            *kms.Key               // the cross-region replica's storage key
	Secret         *secretsmanager.Secret // the master credentials (nil for a cross-region replica)
	SecretVersion  *secretsmanager.SecretVersion
	LogGroups      []*cloudwatch.LogGroup

	WriterEndpoint  pulumi.StringOutput
	ReaderEndpoints pulumi.StringArrayOutput
	// SecretARN is the secret holding the master user's name and password
	// (empty for a cross-region replica, which has no password of its own).
	SecretARN pulumi.StringOutput
	// InstanceARN is the writer instance's ARN: a cross-region replica's source.
	InstanceARN pulumi.StringOutput
}

// withDefaults returns a copy of the args with the defaults filled in: the
// caller's Args stay as it wrote them.
func (a *Args) withDefaults() *Args {
	c := *a
	if c.DBName == "" {
		c.DBName = "app"
	}
	if c.Username == "" {
		c.Username = "app"
	}
	return &c
}

func validate(a *Args) error {
	bad := shared.Invalid("database")
	switch {
	case a == nil:
		return bad("args", nil, "non-nil Args")
	case a.VpcID == nil || a.SubnetIDs == nil:
		return bad("VpcID/SubnetIDs", "nil", "both set")
	case len(a.Zones) < 1:
		return bad("Zones", a.Zones, "at least one availability zone")
	case !strings.HasPrefix(a.InstanceClass, "db."):
		return bad("InstanceClass", a.InstanceClass, "an RDS class such as db.t4g.medium")
	// A cross-region replica gets its source's settings and so its ceiling.
	case a.AllocatedStorage < 20 || a.MaxAllocatedStorage*10 < a.AllocatedStorage*11:
		return bad("AllocatedStorage", a.AllocatedStorage, "at least 20 GiB, and MaxAllocatedStorage at least 10% above it (RDS refuses a lower autoscaling ceiling)")
	case a.ReplicaOf == nil && (a.BackupRetentionDays < 1 || a.BackupRetentionDays > 35):
		return bad("BackupRetentionDays", a.BackupRetentionDays, "1 to 35 (replicas need the primary's backups)")
	case a.Replicas < 0 || a.Replicas > 15:
		return bad("Replicas", a.Replicas, "0 to 15")
	case a.ReplicaOf == nil && (majorVersion(a.EngineVersion) == "" || a.EngineVersion != majorVersion(a.EngineVersion)):
		return bad("EngineVersion", a.EngineVersion, "a PostgreSQL major version such as 16 (RDS chooses and upgrades the minor)")
	case a.ReplicaOf != nil && !a.ReplicaOf.Promoted && a.ReplicaOf.SourceARN == nil:
		return bad("ReplicaOf.SourceARN", nil, "the source instance's ARN")
	}
	return nil
}

func majorVersion(v string) string {
	major, _, _ := strings.Cut(v, ".")
	if major == "" {
		return ""
	}
	for _, c := range major {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return major
}

// New creates the database.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Database, error) {
	if err := validate(args); err != nil {
		return nil, err
	}
	args = args.withDefaults()
	d := &Database{}
	if err := ctx.RegisterComponentResource(shared.Project+":database:Database", name, d, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(d)
	var err error
	if d.SecurityGroup, err = shared.SecurityGroup(ctx, name, name+": PostgreSQL from the app only", args.VpcID, args.Tags, child); err != nil {
		return nil, err
	}
	if err := shared.AllowClients(ctx, name, d.SecurityGroup, args.Clients, Port, child); err != nil {
		return nil, err
	}
	if err := shared.AllowRemoteClients(ctx, name, d.SecurityGroup, args.RemoteClients, Port, child); err != nil {
		return nil, err
	}
	if d.SubnetGroup, err = rds.NewSubnetGroup(ctx, name, &rds.SubnetGroupArgs{
		SubnetIds: args.SubnetIDs,
		Tags:      shared.Tags(args.Tags, name),
	}, child); err != nil {
		return nil, err
	}
	if d.ParameterGroup, err = rds.NewParameterGroup(ctx, name, &rds.ParameterGroupArgs{
		Family: pulumi.String("postgres" + majorVersion(args.EngineVersion)),
		Parameters: rds.ParameterGroupParameterArray{
			// Clients must use TLS: encryption in transit.
			rds.ParameterGroupParameterArgs{Name: pulumi.String("rds.force_ssl"), Value: pulumi.String("1")},
			rds.ParameterGroupParameterArgs{Name: pulumi.String("log_min_duration_statement"), Value: pulumi.String("500")},
		},
		Tags: shared.Tags(args.Tags, name),
	}, child); err != nil {
		return nil, err
	}

	logs, err := d.logGroup(ctx, name, d.SubnetGroup.Name, args, child)
	if err != nil {
		return nil, err
	}
	if args.ReplicaOf != nil {
		d.Primary, err = d.crossRegionReplica(ctx, name, args, child, logs)
	} else {
		d.Primary, err = d.primary(ctx, name, args, child, logs)
	}
	if err != nil {
		return nil, err
	}
	source := d.Primary.Identifier
	readers := pulumi.StringArray{}
	for i := range args.Replicas {
		zone := args.Zones[(i+1)%len(args.Zones)]
		id := pulumi.Sprintf("%s-r%d", d.SubnetGroup.Name, i+1)
		logs, err := d.logGroup(ctx, fmt.Sprintf("%s-replica-%d", name, i+1), id, args, child)
		if err != nil {
			return nil, err
		}
		// A replica's storage autoscales on its own, not with its source's:
		// the same ceiling, so it never fills (and stops replaying the WAL)
		// while its source grows.
		replica, err := rds.NewInstance(ctx, fmt.Sprintf("%s-replica-%d", name, i+1), &rds.InstanceArgs{
			Identifier:                   id,
			EnabledCloudwatchLogsExports: exports(args),
			ReplicateSourceDb:            source,
			MaxAllocatedStorage:          pulumi.Int(args.MaxAllocatedStorage),
			InstanceClass:                pulumi.String(args.InstanceClass),
			AvailabilityZone:             pulumi.String(zone),
			VpcSecurityGroupIds:          pulumi.StringArray{d.SecurityGroup.ID()},
			ParameterGroupName:           d.ParameterGroup.Name,
			StorageEncrypted:             pulumi.Bool(true),
			PubliclyAccessible:           pulumi.Bool(false),
			// A replica is rebuilt from the primary; it keeps no snapshot of its own.
			SkipFinalSnapshot:       pulumi.Bool(true),
			BackupRetentionPeriod:   pulumi.Int(0),
			AutoMinorVersionUpgrade: pulumi.Bool(true),
			ApplyImmediately:        pulumi.Bool(true),
			CopyTagsToSnapshot:      pulumi.Bool(true),
			Tags:                    shared.Tags(args.Tags, fmt.Sprintf("%s-replica-%d", name, i+1)),
		}, child, logs, pulumi.DeleteBeforeReplace(true))
		if err != nil {
			return nil, fmt.Errorf("create replica %d: %w", i+1, err)
		}
		d.Replicas = append(d.Replicas, replica)
		readers = append(readers, replica.Address)
	}
	d.WriterEndpoint = d.Primary.Address
	d.ReaderEndpoints = readers.ToStringArrayOutput()
	d.InstanceARN = d.Primary.Arn
	d.SecretARN = pulumi.String("").ToStringOutput()
	if args.ReplicaOf == nil || args.ReplicaOf.KeepsSecret {
		if err := d.credentials(ctx, name, args, child); err != nil {
			return nil, err
		}
	}
	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{
		"writerEndpoint":  d.WriterEndpoint,
		"readerEndpoints": d.ReaderEndpoints,
		"secretArn":       d.SecretARN,
		"instanceArn":     d.InstanceARN,
	})
}

func (d *Database) primary(ctx *pulumi.Context, name string, args *Args, opt, logs pulumi.ResourceOption) (*rds.Instance, error) {
	return rds.NewInstance(ctx, name, &rds.InstanceArgs{
		Identifier:                   d.SubnetGroup.Name,
		EnabledCloudwatchLogsExports: exports(args),
		Engine:                       pulumi.String("postgres"),
		EngineVersion:                pulumi.String(args.EngineVersion),
		InstanceClass:                pulumi.String(args.InstanceClass),
		AllocatedStorage:             pulumi.Int(args.AllocatedStorage),
		MaxAllocatedStorage:          pulumi.Int(args.MaxAllocatedStorage),
		StorageType:                  pulumi.String("gp3"),
		StorageEncrypted:             pulumi.Bool(true),
		DbName:                       pulumi.String(args.DBName),
		Username:                     pulumi.String(args.Username),
		// Made on the first deploy, kept as a Pulumi secret; later runs'
		// new values are ignored, and a rotation (the secret and ALTER
		// ROLE) is not undone by the next `pulumi up`.
		Password:                shared.GeneratedSecret(32),
		DbSubnetGroupName:       d.SubnetGroup.Name,
		ParameterGroupName:      d.ParameterGroup.Name,
		VpcSecurityGroupIds:     pulumi.StringArray{d.SecurityGroup.ID()},
		PubliclyAccessible:      pulumi.Bool(false),
		MultiAz:                 pulumi.Bool(args.MultiAZ),
		BackupRetentionPeriod:   pulumi.Int(args.BackupRetentionDays),
		DeletionProtection:      pulumi.Bool(args.DeletionProtection && !args.Retiring),
		SkipFinalSnapshot:       pulumi.Bool(args.SkipFinalSnapshot && !args.Retiring),
		FinalSnapshotIdentifier: d.finalSnapshot(args.SkipFinalSnapshot && !args.Retiring),
		CopyTagsToSnapshot:      pulumi.Bool(true),
		AutoMinorVersionUpgrade: pulumi.Bool(true),
		// Multi-AZ at phase 4 and other changes take effect on `pulumi up`,
		// not in the next maintenance window; converting to Multi-AZ keeps
		// the instance available.
		ApplyImmediately:           pulumi.Bool(true),
		PerformanceInsightsEnabled: pulumi.Bool(true),
		Tags:                       shared.Tags(args.Tags, name),
	}, opt, logs, pulumi.IgnoreChanges(kept(args, "password")), pulumi.DeleteBeforeReplace(true))
}

// retiringSends are the only inputs a retiring instance sends (Retiring).
var retiringSends = []string{"deletionProtection", "finalSnapshotIdentifier", "skipFinalSnapshot"}

// kept lists the instance inputs whose changes are ignored: always, and
// when the instance is retiring every input but retiringSends, taken from
// the pulumi tags of the instance's args type.
func kept(args *Args, always ...string) []string {
	if !args.Retiring {
		return always
	}
	t := (&rds.InstanceArgs{}).ElementType()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	for i := range t.NumField() {
		if name := t.Field(i).Tag.Get("pulumi"); name != "" && !slices.Contains(retiringSends, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// logGroup makes the log group an instance exports its PostgreSQL log to,
// before the instance: RDS would otherwise make it itself, keep its logs
// forever, and leave it behind when the stack is destroyed. The group's
// name holds the instance's identifier, so the identifier is chosen here
// (the subnet group's auto-name, new with each database) rather than by the
// provider; an instance is then replaced delete-first, as two cannot share
// it. The returned option makes the instance wait for the group.
func (d *Database) logGroup(ctx *pulumi.Context, name string, identifier pulumi.StringOutput, args *Args, opt pulumi.ResourceOption) (pulumi.ResourceOption, error) {
	if args.LogRetentionDays == 0 {
		return pulumi.DependsOn(nil), nil
	}
	lg, err := cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/aws/rds/instance/%s/postgresql", identifier),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
		Tags:            shared.Tags(args.Tags, name),
	}, opt)
	if err != nil {
		return nil, err
	}
	d.LogGroups = append(d.LogGroups, lg)
	return pulumi.DependsOn([]pulumi.Resource{lg}), nil
}

func exports(args *Args) pulumi.StringArrayInput {
	if args.LogRetentionDays == 0 {
		return nil
	}
	return pulumi.StringArray{pulumi.String("postgresql")}
}

// credentials keeps the master user's name and password in a secret of the
// stack's own, in the shape RDS gives its managed secrets (the hosts learn
// the endpoint from their settings).
func (d *Database) credentials(ctx *pulumi.Context, name string, args *Args, opt pulumi.ResourceOption) error {
	replicas := secretsmanager.SecretReplicaArray{}
	for _, region := range args.SecretReplicaRegions {
		replicas = append(replicas, secretsmanager.SecretReplicaArgs{Region: pulumi.String(region)})
	}
	password := d.Primary.Password.Elem()
	if args.ReplicaOf != nil {
		// A copy has no password input (it has its source's); the value
		// the secret holds is kept (copyKeeps), so this one is never sent.
		password = pulumi.ToSecret(pulumi.String("")).(pulumi.StringOutput)
	}
	var err error
	if d.Secret, err = secretsmanager.NewSecret(ctx, name, &secretsmanager.SecretArgs{
		Description: pulumi.String(name + ": PostgreSQL master credentials"),
		Replicas:    replicas,
		// Deleting a phase's database (lowering it, or destroy) schedules
		// the secret's deletion; it stays recoverable for a week.
		RecoveryWindowInDays: pulumi.Int(7),
		Tags:                 shared.Tags(args.Tags, name),
	}, opt); err != nil {
		return err
	}
	d.SecretVersion, err = secretsmanager.NewSecretVersion(ctx, name, &secretsmanager.SecretVersionArgs{
		SecretId: d.Secret.ID(),
		// From the instance's own output (the password of its creation),
		// never from a newly generated value.
		SecretString: pulumi.JSONMarshal(pulumi.Map{
			"engine":   pulumi.String("postgres"),
			"port":     pulumi.Int(Port),
			"dbname":   pulumi.String(args.DBName),
			"username": pulumi.String(args.Username),
			"password": password,
		}),
	}, opt, pulumi.IgnoreChanges(copyKeeps(args)))
	d.SecretARN = d.Secret.Arn
	return err
}

// copyKeeps keeps the secret's value once the database is a copy: a copy's
// password is its source's (the original), which the provider does not read
// back, so the value the secret holds stays right.
func copyKeeps(args *Args) []string {
	if args.ReplicaOf != nil {
		return []string{"secretString"}
	}
	return nil
}

// SecretARNIn is the ARN of the master secret's copy in region (one of
// SecretReplicaRegions): a replica secret has the primary's ARN with its
// region replaced.
func (d *Database) SecretARNIn(region string) pulumi.StringOutput {
	return d.SecretARN.ApplyT(func(arn string) string {
		parts := strings.Split(arn, ":")
		if len(parts) > 3 && region != "" {
			parts[3] = region
		}
		return strings.Join(parts, ":")
	}).(pulumi.StringOutput)
}

func (d *Database) crossRegionReplica(ctx *pulumi.Context, name string, args *Args, opt, logs pulumi.ResourceOption) (*rds.Instance, error) {
	// An encrypted replica in another region must use a key of its own region.
	key, err := kms.NewKey(ctx, name, &kms.KeyArgs{
		Description:          pulumi.String(name + ": storage of the cross-region replica"),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Tags:                 shared.Tags(args.Tags, name),
	}, opt)
	if err != nil {
		return nil, err
	}
	d.Key = key
	var source pulumi.StringInput = args.ReplicaOf.SourceARN
	// A replica takes no final snapshot (RDS refuses FinalDBSnapshotIdentifier
	// when deleting one); a promoted copy is a primary and keeps one.
	skip := true
	// RDS cannot make a standalone instance a replica, nor give a replica
	// another source (the provider refuses the update: "cannot elect new
	// source database for replication"): a new source is a new instance.
	// A promotion, the source dropped, is done in place.
	var replace pulumi.ResourceOption = pulumi.ReplaceOnChanges([]string{"replicateSourceDb"})
	if args.ReplicaOf.Promoted {
		source, skip, replace = nil, args.SkipFinalSnapshot && !args.Retiring, pulumi.ReplaceOnChanges(nil)
	}
	// Its own storage autoscaling up to the source's ceiling, as the
	// same-region replicas.
	return rds.NewInstance(ctx, name, &rds.InstanceArgs{
		Identifier:                   d.SubnetGroup.Name,
		EnabledCloudwatchLogsExports: exports(args),
		ReplicateSourceDb:            source,
		MaxAllocatedStorage:          pulumi.Int(args.MaxAllocatedStorage),
		KmsKeyId:                     key.Arn,
		InstanceClass:                pulumi.String(args.InstanceClass),
		StorageEncrypted:             pulumi.Bool(true),
		DbSubnetGroupName:            d.SubnetGroup.Name,
		ParameterGroupName:           d.ParameterGroup.Name,
		VpcSecurityGroupIds:          pulumi.StringArray{d.SecurityGroup.ID()},
		PubliclyAccessible:           pulumi.Bool(false),
		MultiAz:                      pulumi.Bool(args.MultiAZ),
		// Keeping backups lets this replica have replicas and be promoted in a disaster.
		BackupRetentionPeriod:   pulumi.Int(max(args.BackupRetentionDays, 1)),
		DeletionProtection:      pulumi.Bool(args.DeletionProtection && !args.Retiring),
		SkipFinalSnapshot:       pulumi.Bool(skip),
		FinalSnapshotIdentifier: d.finalSnapshot(skip),
		CopyTagsToSnapshot:      pulumi.Bool(true),
		AutoMinorVersionUpgrade: pulumi.Bool(true),
		ApplyImmediately:        pulumi.Bool(true),
		Tags:                    shared.Tags(args.Tags, name),
	}, opt, logs, replace, pulumi.IgnoreChanges(kept(args)), pulumi.DeleteBeforeReplace(true))
}

// finalSnapshot names the snapshot RDS takes when the primary is deleted.
// A fixed name would collide with the snapshot of an earlier deletion (lower
// the phase, raise it, lower it again: DBSnapshotAlreadyExists), so it takes
// the subnet group's auto-name, which is new whenever the database is.
func (d *Database) finalSnapshot(skip bool) pulumi.StringPtrInput {
	if skip {
		return nil
	}
	return pulumi.Sprintf("%s-final", d.SubnetGroup.Name)
}
