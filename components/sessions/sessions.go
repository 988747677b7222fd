// Package sessions builds the store of sessions and login-throttle counts
// from phase 6: a DynamoDB table (on-demand, TTL on the app's expiry
// attribute, point-in-time recovery, encrypted with the AWS managed key),
// and from phase 7 a global table (version 2019.11.21) with a replica in
// each other region. It never evicts an item to make room, unlike the
// profile cache, and a replica lets a session outlive the loss of the
// region that created it.
package sessions

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// The table's key and TTL attribute: what the app reads and writes
// (app/dynamodb's KeyAttribute and TTLAttribute).
const (
	KeyAttribute = "pk"
	TTLAttribute = "expires_at"
)

// HostActions are what the app's hosts may do on their region's replica:
// read, write, count (conditional updates) and end sessions; nothing that
// lists the table or changes it.
var HostActions = []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}

// Args configure a Table.
type Args struct {
	// ReplicaRegions are the other regions that hold a replica (phase 7:
	// the second region); empty for a table in one region.
	ReplicaRegions []string
	// Region is the region of the table itself (its provider's), which no
	// replica may repeat.
	Region string
	// DeletionProtection keeps the table from being deleted (a lowered
	// phase, a destroy) until it is turned off.
	DeletionProtection bool
	Tags               map[string]string
}

// Table is the component.
type Table struct {
	pulumi.ResourceState

	Table *dynamodb.Table
	Name  pulumi.StringOutput // the same in every region
	ARN   pulumi.StringOutput // the table in its own region
}

func validate(a *Args) error {
	bad := shared.Invalid("sessions")
	if a == nil {
		return bad("args", nil, "non-nil Args")
	}
	if a.Region == "" {
		return bad("Region", "", "the AWS region of the table's provider")
	}
	seen := map[string]bool{a.Region: true}
	for _, r := range a.ReplicaRegions {
		if r == "" || seen[r] {
			return bad("ReplicaRegions", a.ReplicaRegions, fmt.Sprintf("distinct regions other than the table's own (%s)", a.Region))
		}
		seen[r] = true
	}
	return nil
}

// New creates the table.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Table, error) {
	if err := validate(args); err != nil {
		return nil, err
	}
	t := &Table{}
	if err := ctx.RegisterComponentResource(shared.Project+":sessions:Table", name, t, opts...); err != nil {
		return nil, err
	}
	tableArgs := &dynamodb.TableArgs{
		BillingMode: pulumi.String("PAY_PER_REQUEST"), // pay per request: no capacity to plan, none to run out of
		HashKey:     pulumi.String(KeyAttribute),
		Attributes:  dynamodb.TableAttributeArray{dynamodb.TableAttributeArgs{Name: pulumi.String(KeyAttribute), Type: pulumi.String("S")}},
		// DynamoDB deletes expired items itself (lazily: the app treats an
		// item past its expiry as absent).
		Ttl: dynamodb.TableTtlArgs{Enabled: pulumi.Bool(true), AttributeName: pulumi.String(TTLAttribute)},
		// A bad deploy or an operator's mistake can be undone to the second.
		PointInTimeRecovery: dynamodb.TablePointInTimeRecoveryArgs{Enabled: pulumi.Bool(true)},
		// The AWS managed key (aws/dynamodb) in each region: its use is in
		// CloudTrail, and a replica needs no key of ours in its region.
		ServerSideEncryption:      dynamodb.TableServerSideEncryptionArgs{Enabled: pulumi.Bool(true)},
		DeletionProtectionEnabled: pulumi.Bool(args.DeletionProtection),
		Tags:                      shared.Tags(args.Tags, name),
	}
	if len(args.ReplicaRegions) > 0 {
		// Replicas (global tables 2019.11.21) replicate through the
		// table's stream, which must carry new and old images.
		tableArgs.StreamEnabled = pulumi.Bool(true)
		tableArgs.StreamViewType = pulumi.String("NEW_AND_OLD_IMAGES")
		replicas := dynamodb.TableReplicaTypeArray{}
		for _, r := range args.ReplicaRegions {
			replicas = append(replicas, dynamodb.TableReplicaTypeArgs{
				RegionName: pulumi.String(r), PointInTimeRecovery: pulumi.Bool(true), PropagateTags: pulumi.Bool(true),
			})
		}
		tableArgs.Replicas = replicas
	}
	var err error
	if t.Table, err = dynamodb.NewTable(ctx, name, tableArgs, pulumi.Parent(t)); err != nil {
		return nil, err
	}
	t.Name = t.Table.Name
	t.ARN = t.Table.Arn
	return t, ctx.RegisterResourceOutputs(t, pulumi.Map{"name": t.Name, "arn": t.ARN})
}

// ARNIn is the ARN of the table's replica in region: the table's own ARN
// with that region (a replica has the table's name and account).
func (t *Table) ARNIn(region string) pulumi.StringOutput {
	return t.ARN.ApplyT(func(arn string) string { return ReplicaARN(arn, region) }).(pulumi.StringOutput)
}

// ReplicaARN puts region into a table ARN: arn:aws:dynamodb:<region>:<account>:table/<name>.
func ReplicaARN(arn, region string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return arn
	}
	parts[3] = region
	return strings.Join(parts, ":")
}
