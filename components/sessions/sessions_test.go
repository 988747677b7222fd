package sessions_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/sessions"
	"github.com/scalezero/scalezero/components/shared"
)

// mocks keeps the inputs of every resource the component declares.
type mocks struct {
	mu     sync.Mutex
	inputs map[string]resource.PropertyMap // by type
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inputs[args.TypeToken] = args.Inputs
	out := args.Inputs.Copy()
	out["name"] = resource.NewStringProperty(args.Name + "-1a2b3c")
	out["arn"] = resource.NewStringProperty("arn:aws:dynamodb:us-east-1:123456789012:table/" + args.Name + "-1a2b3c")
	return args.Name + "-id", out, nil
}

func (m *mocks) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

func build(args *sessions.Args) (resource.PropertyMap, error) {
	m := &mocks{inputs: map[string]resource.PropertyMap{}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := sessions.New(ctx, "sessions", args)
		return err
	}, pulumi.WithMocks("scalezero", "dev", m))
	return m.inputs["aws:dynamodb/table:Table"], err
}

func TestOneRegionTable(t *testing.T) {
	in, err := build(&sessions.Args{Region: "us-east-1", DeletionProtection: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what string
		ok   bool
	}{
		{"on-demand", in["billingMode"].StringValue() == "PAY_PER_REQUEST"},
		{"hash key pk", in["hashKey"].StringValue() == sessions.KeyAttribute},
		{"TTL on expires_at", in["ttl"].ObjectValue()["enabled"].BoolValue() && in["ttl"].ObjectValue()["attributeName"].StringValue() == sessions.TTLAttribute},
		{"point-in-time recovery", in["pointInTimeRecovery"].ObjectValue()["enabled"].BoolValue()},
		{"KMS encryption", in["serverSideEncryption"].ObjectValue()["enabled"].BoolValue()},
		{"deletion protection", in["deletionProtectionEnabled"].BoolValue()},
		{"no replicas", !in.HasValue("replicas")},
		{"no stream", !in.HasValue("streamEnabled")},
	} {
		t.Run(c.what, func(t *testing.T) {
			if !c.ok {
				t.Errorf("inputs %v", in)
			}
		})
	}
}

// From phase 7 the table is a global table: a replica in the second region,
// with point-in-time recovery too, fed by a stream of new and old images.
func TestReplicaInTheSecondRegion(t *testing.T) {
	in, err := build(&sessions.Args{Region: "us-east-1", ReplicaRegions: []string{"eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	replicas := in["replicas"].ArrayValue()
	if len(replicas) != 1 {
		t.Fatalf("replicas %v", replicas)
	}
	r := replicas[0].ObjectValue()
	if r["regionName"].StringValue() != "eu-west-1" || !r["pointInTimeRecovery"].BoolValue() {
		t.Errorf("replica %v", r)
	}
	if !in["streamEnabled"].BoolValue() || in["streamViewType"].StringValue() != "NEW_AND_OLD_IMAGES" {
		t.Errorf("stream %v %v", in["streamEnabled"], in["streamViewType"])
	}
	if in["deletionProtectionEnabled"].BoolValue() {
		t.Error("deletion protection on though not asked for")
	}
}

func TestBadArgsNameTheSetting(t *testing.T) {
	for _, c := range []struct {
		name string
		args *sessions.Args
		arg  string
	}{
		{"nil", nil, "args"},
		{"no region", &sessions.Args{}, "Region"},
		{"replica in its own region", &sessions.Args{Region: "us-east-1", ReplicaRegions: []string{"us-east-1"}}, "ReplicaRegions"},
		{"two replicas in one region", &sessions.Args{Region: "us-east-1", ReplicaRegions: []string{"eu-west-1", "eu-west-1"}}, "ReplicaRegions"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := build(c.args)
			var ae *shared.ArgError
			if !errors.As(err, &ae) || ae.Arg != c.arg {
				t.Fatalf("got %v, want an error naming %s", err, c.arg)
			}
		})
	}
}

func TestReplicaARN(t *testing.T) {
	got := sessions.ReplicaARN("arn:aws:dynamodb:us-east-1:123456789012:table/sessions-1a2b3c", "eu-west-1")
	if got != "arn:aws:dynamodb:eu-west-1:123456789012:table/sessions-1a2b3c" {
		t.Fatal(got)
	}
}

// The table of phase 7: a replica in the second region; each region's hosts
// are granted their own region's replica.
func ExampleNew() {
	m := &mocks{inputs: map[string]resource.PropertyMap{}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		t, err := sessions.New(ctx, "sessions", &sessions.Args{Region: "us-east-1", ReplicaRegions: []string{"eu-west-1"}})
		if err != nil {
			return err
		}
		t.ARNIn("eu-west-1").ApplyT(func(arn string) string {
			fmt.Println("hosts in eu-west-1 use", arn)
			return arn
		})
		return nil
	}, pulumi.WithMocks("scalezero", "dev", m))
	fmt.Println(err, m.inputs["aws:dynamodb/table:Table"]["replicas"].ArrayValue()[0].ObjectValue()["regionName"].StringValue())
	// Output:
	// hosts in eu-west-1 use arn:aws:dynamodb:eu-west-1:123456789012:table/sessions-1a2b3c
	// <nil> eu-west-1
}
