package role_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/role"
	"github.com/scalezero/scalezero/graph/record"
)

var statements = []role.Statement{
	{Sid: "Queue", Actions: []string{"sqs:SendMessage"}, Resources: pulumi.StringArray{pulumi.String("arn:aws:sqs:us-east-1:1:jobs")}},
	{Sid: "Secret", Actions: []string{"secretsmanager:GetSecretValue"}, Resources: pulumi.StringArray{pulumi.String("arn:aws:secretsmanager:us-east-1:1:secret:db")}},
}

func program(ctx *pulumi.Context) error {
	_, err := role.New(ctx, "web", &role.Args{Statements: statements})
	return err
}

// The inline policy grants exactly the statements asked for, each on its
// own resources; EC2 alone may assume the role.
func TestLeastPrivilege(t *testing.T) {
	g := record.Known(t, program)
	pol, ok := g.Named("aws:iam/rolePolicy:RolePolicy", "web")
	if !ok {
		t.Fatal("no inline policy")
	}
	var doc struct {
		Statement []struct {
			Sid, Effect string
			Action      []string
			Resource    []string
		}
	}
	if err := json.Unmarshal([]byte(pol.Str("policy")), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Statement) != len(statements) {
		t.Fatalf("%d statements, want %d", len(doc.Statement), len(statements))
	}
	for i, s := range doc.Statement {
		want := statements[i]
		res := want.Resources.(pulumi.StringArray)
		if s.Sid != want.Sid || s.Effect != "Allow" || !slices.Equal(s.Action, want.Actions) || len(s.Resource) != 1 || s.Resource[0] != string(res[0].(pulumi.String)) {
			t.Errorf("statement %d: %+v", i, s)
		}
	}
	r, _ := g.Named("aws:iam/role:Role", "web")
	var trust struct {
		Statement []struct{ Principal map[string]string }
	}
	if err := json.Unmarshal([]byte(r.Str("assumeRolePolicy")), &trust); err != nil || len(trust.Statement) != 1 || trust.Statement[0].Principal["Service"] != "ec2.amazonaws.com" {
		t.Errorf("trust policy %s", r.Str("assumeRolePolicy"))
	}
}

// A wildcard action is refused by name.
func TestNoWildcardActions(t *testing.T) {
	_, err := record.RunProgram(func(ctx *pulumi.Context) error {
		_, err := role.New(ctx, "web", &role.Args{Statements: []role.Statement{{Sid: "All", Actions: []string{"*"}, Resources: pulumi.StringArray{pulumi.String("*")}}}})
		return err
	}, nil)
	if err == nil {
		t.Fatal("a role granting * was made")
	}
}

// A host role with two statements and the managed policies every host needs.
func ExampleNew() {
	record.PrintCensus(program)
	// Output:
	// aws:iam/instanceProfile:InstanceProfile 1
	// aws:iam/role:Role 1
	// aws:iam/rolePolicy:RolePolicy 1
	// aws:iam/rolePolicyAttachment:RolePolicyAttachment 3
}
