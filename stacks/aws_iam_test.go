package stacks_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/stackgraph"
)

// The host roles' inline statements, phase by phase: which statement each
// role holds, with exactly which actions, and every regional resource it
// names in the role's own region (a role reaches its region's secrets copy,
// queue, table and log groups; S3 and IAM ARNs name no region).
func TestHostRoleStatements(t *testing.T) {
	actions := map[string][]string{
		"ReadAppConfig":           {"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"},
		"WriteLogs":               {"logs:CreateLogStream", "logs:PutLogEvents"},
		"ReadDatabaseSecrets":     {"secretsmanager:GetSecretValue"},
		"Sessions":                {"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
		"SendJobs":                {"sqs:GetQueueUrl", "sqs:SendMessage"},
		"JobData":                 {"s3:GetObject", "s3:PutObject"},
		"ReadOtherRegionsOutputs": {"s3:GetObject"},
		"ConsumeJobs":             {"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"},
	}
	web8 := "JobData ReadAppConfig ReadDatabaseSecrets ReadOtherRegionsOutputs SendJobs Sessions WriteLogs"
	worker8 := "ConsumeJobs JobData ReadAppConfig ReadDatabaseSecrets WriteLogs"
	cases := []struct {
		phase int
		roles map[string]string // role -> its statements' Sids
	}{
		{1, map[string]string{"server-role": "ReadAppConfig WriteLogs"}},
		{2, map[string]string{"server-role": "ReadAppConfig ReadDatabaseSecrets WriteLogs"}},
		{3, map[string]string{"web-role": "ReadAppConfig ReadDatabaseSecrets WriteLogs"}},
		{6, map[string]string{"web-role": "ReadAppConfig ReadDatabaseSecrets Sessions WriteLogs"}},
		{7, map[string]string{
			"web-role": "ReadAppConfig ReadDatabaseSecrets Sessions WriteLogs", "web-role-secondary": "ReadAppConfig ReadDatabaseSecrets Sessions WriteLogs",
		}},
		{8, map[string]string{"web-role": web8, "web-role-secondary": web8, "worker-role": worker8, "worker-role-secondary": worker8}},
		{9, map[string]string{"web-role": web8, "web-role-secondary": web8, "worker-role": worker8, "worker-role-secondary": worker8}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("phase%d", c.phase), func(t *testing.T) {
			g, err := stackgraph.RunView(graph.Known, baseConfig(c.phase), "cacheAuthToken")
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, p := range g.OfType("aws:iam/rolePolicy:RolePolicy") {
				want, ok := c.roles[p.Name]
				if !ok {
					if strings.Contains(p.Name, "role") && !strings.Contains(p.Name, "flow") {
						t.Errorf("unexpected host role policy %s", p.Name)
					}
					continue
				}
				seen[p.Name] = true
				var doc struct {
					Statement []struct {
						Sid      string
						Action   any
						Resource any
					}
				}
				if err := json.Unmarshal([]byte(p.Str("policy")), &doc); err != nil {
					t.Fatalf("%s: %v", p.Name, err)
				}
				region := regionOf(t, g, p)
				var sids []string
				for _, s := range doc.Statement {
					sids = append(sids, s.Sid)
					got := strs(s.Action)
					sort.Strings(got)
					if !slices.Equal(got, actions[s.Sid]) {
						t.Errorf("%s %s allows %v, want %v", p.Name, s.Sid, got, actions[s.Sid])
					}
					for _, arn := range strs(s.Resource) {
						if parts := strings.Split(arn, ":"); len(parts) > 3 && parts[3] != "" && parts[3] != region {
							t.Errorf("%s %s names %s, outside the role's region %s", p.Name, s.Sid, arn, region)
						}
					}
				}
				sort.Strings(sids)
				if strings.Join(sids, " ") != want {
					t.Errorf("%s holds %v, want %s", p.Name, sids, want)
				}
			}
			for role := range c.roles {
				if !seen[role] {
					t.Errorf("no policy for %s", role)
				}
			}
		})
	}
}
