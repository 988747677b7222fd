package stacks_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/stackgraph"
	"github.com/scalezero/scalezero/internal/knownvalues"
)

const tTable = "aws:dynamodb/table:Table"

// statementsOf reads a host role's inline policy: actions and resources per Sid.
func statementsOf(t *testing.T, g *graph.Graph, role string) map[string][2][]string {
	t.Helper()
	var doc struct {
		Statement []struct {
			Sid      string
			Action   any
			Resource any
		}
	}
	if err := json.Unmarshal([]byte(component(t, g, "aws:iam/rolePolicy:RolePolicy", role).Str("policy")), &doc); err != nil {
		t.Fatalf("%s: %v", role, err)
	}
	out := map[string][2][]string{}
	for _, st := range doc.Statement {
		out[st.Sid] = [2][]string{strs(st.Action), strs(st.Resource)}
	}
	return out
}

// Sessions live in the table from phase 6 only, and each region's web hosts
// are told the table's name and their own region, and may use the replica
// of that region alone: the region the app builds its client for is the
// region of the replica it is allowed to call. Workers get nothing of it.
func TestEachRegionsHostsUseTheirOwnReplica(t *testing.T) {
	for phase := 5; phase <= 9; phase++ {
		t.Run(fmt.Sprintf("phase%d", phase), func(t *testing.T) {
			g := knownGraph(t, phase)
			tables := g.OfType(tTable)
			if (len(tables) == 1) != (phase >= 6) {
				t.Fatalf("%d tables", len(tables))
			}
			store := component(t, g, tParam, "app-config-scalezero-sessions-store").Str("insecureValue")
			if phase < 6 {
				if store != "memory" {
					t.Fatalf("sessions store %q before phase 6", store)
				}
				return
			}
			table := tables[0]
			regions := map[string]string{"": "us-east-1"}
			if phase >= 7 {
				regions["-secondary"] = "eu-west-1"
			}
			var replicas []string
			list, _ := table.Get("replicas").([]any)
			for _, r := range list {
				replicas = append(replicas, r.(map[string]any)["regionName"].(string))
			}
			if phase >= 7 && !slices.Equal(replicas, []string{"eu-west-1"}) || phase == 6 && len(replicas) != 0 {
				t.Fatalf("replicas %v", replicas)
			}
			for suffix, region := range regions {
				config := "app-config" + suffix
				if got := component(t, g, tParam, config+"-scalezero-region").Str("insecureValue"); got != region {
					t.Errorf("%s: region %q, want %s", config, got, region)
				}
				if got := component(t, g, tParam, config+"-scalezero-sessions-store").Str("insecureValue"); got != "dynamodb" {
					t.Errorf("%s: sessions store %q", config, got)
				}
				param := component(t, g, tParam, config+"-scalezero-sessions-table")
				name := param.Str("insecureValue")
				if !param.DependsOn("insecureValue", table.URN) || !strings.HasPrefix(name, "sessions-") {
					t.Errorf("%s: table %q is not the sessions table's name", config, name)
				}
				if !component(t, g, "aws:iam/rolePolicy:RolePolicy", "web-role"+suffix).DependsOn("policy", table.URN) {
					t.Errorf("web-role%s's policy is not built from the table", suffix)
				}
				st, ok := statementsOf(t, g, "web-role"+suffix)["Sessions"]
				want := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, knownvalues.Account, name)
				if !ok || !slices.Equal(st[1], []string{want}) {
					t.Errorf("web-role%s may use %v, want only %s (the replica in its region)", suffix, st[1], want)
				}
				if !slices.Equal(st[0], []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}) {
					t.Errorf("web-role%s may %v", suffix, st[0])
				}
			}
			if phase >= 8 {
				if _, ok := statementsOf(t, g, "worker-role")["Sessions"]; ok {
					t.Error("the workers may use the sessions table")
				}
			}
		})
	}
}

// The table is encrypted, recoverable, expires items on the app's
// attribute, and follows the database's deletion protection.
func TestSessionsTableSettings(t *testing.T) {
	table := component(t, phaseGraph(t, 7), tTable, "sessions")
	for path, want := range map[string]any{
		"billingMode": "PAY_PER_REQUEST", "hashKey": "pk", "ttl.enabled": true, "ttl.attributeName": "expires_at",
		"pointInTimeRecovery.enabled": true, "serverSideEncryption.enabled": true, "deletionProtectionEnabled": true,
		"streamEnabled": true, "streamViewType": "NEW_AND_OLD_IMAGES", "replicas.0.pointInTimeRecovery": true,
	} {
		if got := table.Get(path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	cfg := baseConfig(6)
	cfg["dbDeletionProtection"] = "false"
	g, err := stackgraph.Run(cfg, "cacheAuthToken")
	if err != nil {
		t.Fatal(err)
	}
	if got := component(t, g, tTable, "sessions").Get("deletionProtectionEnabled"); got != false {
		t.Errorf("deletion protection %v with dbDeletionProtection false", got)
	}
}
