package database_test

import (
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/database"
	"github.com/scalezero/scalezero/components/shared"
	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/record"
)

const rdsInstance = "aws:rds/instance:Instance"

func args() *database.Args {
	return &database.Args{
		VpcID: pulumi.String("vpc-1"), SubnetIDs: pulumi.StringArray{pulumi.String("a"), pulumi.String("b"), pulumi.String("c")},
		Zones:         []string{"us-east-1a", "us-east-1b", "us-east-1c"},
		Clients:       shared.Clients{"web": pulumi.String("sg-web")},
		InstanceClass: "db.t4g.medium", AllocatedStorage: 20, MaxAllocatedStorage: 100, EngineVersion: "16",
		BackupRetentionDays: 7, MultiAZ: true, Replicas: 2,
	}
}

func build(t *testing.T, a *database.Args) *graph.Graph {
	t.Helper()
	return record.Known(t, func(ctx *pulumi.Context) error {
		_, err := database.New(ctx, "db", a)
		return err
	})
}

// Every instance is encrypted and private; the replicas copy the primary,
// spread over the other zones; only the web group reaches 5432.
func TestPrimaryAndReplicas(t *testing.T) {
	g := build(t, args())
	primary, ok := g.Named(rdsInstance, "db")
	if !ok {
		t.Fatal("no primary")
	}
	if primary.Get("multiAz") != true || primary.Get("replicateSourceDb") != nil {
		t.Errorf("primary: multiAz %v, replicateSourceDb %v", primary.Get("multiAz"), primary.Get("replicateSourceDb"))
	}
	for i, zone := range []string{"us-east-1b", "us-east-1c"} {
		r, ok := g.Named(rdsInstance, fmt.Sprintf("db-replica-%d", i+1))
		if !ok {
			t.Fatalf("no replica %d", i+1)
		}
		if r.Str("availabilityZone") != zone || !r.DependsOn("replicateSourceDb", primary.URN) {
			t.Errorf("%s: in %q, copies the primary: %v", r.Name, r.Str("availabilityZone"), r.DependsOn("replicateSourceDb", primary.URN))
		}
	}
	for _, r := range g.OfType(rdsInstance) {
		if r.Get("storageEncrypted") != true || r.Get("publiclyAccessible") != false {
			t.Errorf("%s: storageEncrypted %v, publiclyAccessible %v", r.Name, r.Get("storageEncrypted"), r.Get("publiclyAccessible"))
		}
	}
	rules := g.OfType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
	if len(rules) != 1 || rules[0].Str("referencedSecurityGroupId") != "sg-web" || rules[0].Get("fromPort") != 5432.0 || rules[0].Get("toPort") != 5432.0 {
		t.Errorf("ingress %+v, want 5432 from sg-web only", rules)
	}
}

// A cross-region copy replicates from its source with a key of its own
// region; promoted, it is a standalone primary (no replicateSourceDb).
func TestReplicaSource(t *testing.T) {
	for _, promoted := range []bool{false, true} {
		t.Run(fmt.Sprint("promoted=", promoted), func(t *testing.T) {
			a := args()
			a.Replicas = 0
			a.ReplicaOf = &database.ReplicaSource{SourceARN: pulumi.String("arn:aws:rds:us-east-1:1:db:db-1"), Promoted: promoted}
			g := build(t, a)
			db, _ := g.Named(rdsInstance, "db")
			key, ok := g.Named("aws:kms/key:Key", "db")
			if !ok || !db.DependsOn("kmsKeyId", key.URN) {
				t.Errorf("the copy is not encrypted with its region's key")
			}
			src := db.Get("replicateSourceDb")
			if promoted && src != nil {
				t.Errorf("promoted copy still replicates from %v", src)
			}
			if !promoted && src != "arn:aws:rds:us-east-1:1:db:db-1" {
				t.Errorf("copy replicates from %v", src)
			}
			if len(g.OfType("aws:secretsmanager/secret:Secret")) != 0 {
				t.Errorf("a copy makes credentials of its own; it has the source's")
			}
		})
	}
}

// A Multi-AZ primary with two read replicas.
func ExampleNew() {
	a := args()
	record.PrintCensus(func(ctx *pulumi.Context) error {
		_, err := database.New(ctx, "db", a)
		return err
	})
	// Output:
	// aws:ec2/securityGroup:SecurityGroup 1
	// aws:rds/instance:Instance 3
	// aws:rds/parameterGroup:ParameterGroup 1
	// aws:rds/subnetGroup:SubnetGroup 1
	// aws:secretsmanager/secret:Secret 1
	// aws:secretsmanager/secretVersion:SecretVersion 1
	// aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule 1
	// aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule 1
}
