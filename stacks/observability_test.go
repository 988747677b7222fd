package stacks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/components/boot"
	"github.com/scalezero/scalezero/components/observability"
	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/stackgraph"
	"github.com/scalezero/scalezero/internal/golden"
)

// regionOf is the region of a resource's provider.
func regionOf(t *testing.T, g *graph.Graph, r graph.Resource) string {
	t.Helper()
	p, ok := g.ByURN(r.Provider)
	if !ok {
		t.Fatalf("%s has no provider in the graph", r.Name)
	}
	return p.Str("region")
}

// alarmMetrics lists the (namespace, metric, dimension names) an alarm reads.
func alarmMetrics(a graph.Resource) [][3]any {
	keys := func(m any) []string {
		mm, _ := m.(map[string]any)
		var out []string
		for k := range mm {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	if ns := a.Str("namespace"); ns != "" {
		return [][3]any{{ns, a.Str("metricName"), keys(a.Get("dimensions"))}}
	}
	var out [][3]any
	queries, _ := a.Get("metricQueries").([]any)
	for _, q := range queries {
		m, _ := q.(map[string]any)["metric"].(map[string]any)
		if m != nil {
			out = append(out, [3]any{m["namespace"], m["metricName"], keys(m["dimensions"])})
		}
	}
	return out
}

// Every alarm of every phase reads a metric that exists in its namespace,
// with those dimensions, in the alarm's region, and notifies someone.
func TestAlarmsReadMetricsThatExist(t *testing.T) {
	for _, cfg := range []map[string]string{{}, {"primaryRegion": "eu-west-1", "secondaryRegion": "us-west-2", "workerMin": "0"}} {
		for phase := 1; phase <= 9; phase++ {
			g := runWith(t, phase, cfg)
			for _, a := range g.OfType(tAlarm) {
				region := regionOf(t, g, a)
				ms := alarmMetrics(a)
				if len(ms) == 0 {
					t.Errorf("phase %d: alarm %s reads no metric", phase, a.Name)
				}
				for _, m := range ms {
					if err := observability.Check(fmt.Sprint(m[0]), fmt.Sprint(m[1]), m[2].([]string), region); err != nil {
						t.Errorf("phase %d: alarm %s: %v", phase, a.Name, err)
					}
				}
				if acts, _ := a.Get("alarmActions").([]any); len(acts) == 0 {
					t.Errorf("phase %d: alarm %s notifies nobody", phase, a.Name)
				}
			}
		}
	}
}

// alarmNames are a phase's alarms, sorted.
func alarmNames(g *graph.Graph) []string {
	var out []string
	for _, a := range g.OfType(tAlarm) {
		out = append(out, a.Name)
	}
	sort.Strings(out)
	return out
}

// Each phase watches exactly the tiers it has.
func TestEachPhaseWatchesItsTiers(t *testing.T) {
	web := func(s string) []string {
		return []string{"web" + s + "-5xx", "web" + s + "-p99", "web" + s + "-unhealthy"}
	}
	cache := func(s string) []string {
		return []string{"cache" + s + "-001-evictions", "cache" + s + "-002-evictions"}
	}
	// The single server of phases 1 and 2: the host, its CPU, memory and
	// disk, and the app's 5xx.
	server := []string{"server-status", "server-cpu", "server-memory", "server-disk", "server-5xx"}
	want := map[int][]string{
		1: server,
		2: append([]string{"db-storage"}, server...),
		3: append([]string{"db-storage"}, web("")...),
		4: append([]string{"db-storage", "db-replica-1-storage", "db-replica-1-lag"}, web("")...),
	}
	want[5] = append(append(slices.Clone(want[4]), cache("")...), "cdn-5xx")
	want[6] = want[5]
	want[7] = append(append(append(slices.Clone(want[6]), web("-secondary")...), cache("-secondary")...),
		"db-secondary-storage", "db-secondary-lag", "region-failing", "region-secondary-failing")
	want[8] = append(slices.Clone(want[7]), "jobs-dlq", "jobs-oldest", "jobs-secondary-dlq", "jobs-secondary-oldest")
	want[9] = slices.Clone(want[8])
	for i := range 2 {
		want[9] = append(want[9], fmt.Sprintf("shard-%d-storage", i), fmt.Sprintf("shard-%d-replica-1-storage", i), fmt.Sprintf("shard-%d-replica-1-lag", i),
			fmt.Sprintf("shard-%d-secondary-storage", i), fmt.Sprintf("shard-%d-secondary-lag", i))
	}
	for phase := 1; phase <= 9; phase++ {
		w := slices.Sorted(slices.Values(want[phase]))
		if got := alarmNames(phaseGraph(t, phase)); !slices.Equal(got, w) {
			t.Errorf("phase %d alarms:\n got %v\nwant %v", phase, got, w)
		}
		if n := count(phaseGraph(t, phase), "aws:cloudwatch/dashboard:Dashboard"); n != len(regionSuffixes(phaseGraph(t, phase))) {
			t.Errorf("phase %d: %d dashboards, want one per region", phase, n)
		}
	}
}

// Hosts log to their own group, kept logRetentionDays; so do the databases
// and caches.
func TestLogGroups(t *testing.T) {
	g := phaseGraph(t, 9)
	var names []string
	for _, lg := range g.OfType("aws:cloudwatch/logGroup:LogGroup") {
		if lg.Get("retentionInDays") != float64(30) {
			t.Errorf("log group %s keeps logs %v days, want logRetentionDays", lg.Name, lg.Get("retentionInDays"))
		}
		names = append(names, lg.Name)
	}
	for _, want := range []string{"observability-web", "observability-worker", "observability-secondary-web", "observability-secondary-worker", "db", "db-replica-1", "db-secondary", "shard-0", "cache-slow-log", "cache-secondary-slow-log"} {
		if !slices.Contains(names, want) {
			t.Errorf("no log group %s (have %v)", want, names)
		}
	}
	for _, lt := range g.OfType(tLT) {
		raw := userData(t, lt)
		if !strings.Contains(raw, "--log-driver awslogs") || !strings.Contains(raw, "amazon-cloudwatch-agent") {
			t.Errorf("%s: the app's output does not go to CloudWatch Logs, or no agent", lt.Name)
		}
	}
	db := component(t, g, tRDS, "db")
	if exp, _ := db.Get("enabledCloudwatchLogsExports").([]any); len(exp) != 1 || !slices.Contains(db.Dependencies, component(t, g, "aws:cloudwatch/logGroup:LogGroup", "db").URN) {
		t.Errorf("the database exports %v, before its group exists", db.Get("enabledCloudwatchLogsExports"))
	}
}

// Every fleet's instance refresh launches a host's replacement before it
// terminates the host, so a release whose hosts never get healthy takes no
// healthy host away; and none asks for the automatic rollback the provider
// defeats (it saves the new template version on the group first).
func TestRefreshesLaunchBeforeTerminating(t *testing.T) {
	g := phaseGraph(t, 8)
	fleets := g.OfType(tASG)
	if len(fleets) != 4 {
		t.Fatalf("%d fleets, want web, web-secondary, worker and worker-secondary", len(fleets))
	}
	for _, asg := range fleets {
		if asg.Get("instanceRefresh.preferences.minHealthyPercentage") != float64(100) || asg.Get("instanceRefresh.preferences.maxHealthyPercentage") != float64(200) {
			t.Errorf("%s refreshes with %v", asg.Name, asg.Get("instanceRefresh.preferences"))
		}
		if asg.Get("instanceRefresh.preferences.autoRollback") != nil {
			t.Errorf("%s asks for automatic rollback", asg.Name)
		}
	}
}

// The hosts' CloudWatch agent sends the CWAgent metrics the dashboards and
// alarms read, aggregated by group and by instance.
func TestAgentSendsWhatDashboardsRead(t *testing.T) {
	var cfg struct {
		Metrics struct {
			Namespace   string     `json:"namespace"`
			Aggregation [][]string `json:"aggregation_dimensions"`
			Collected   map[string]struct {
				Measurement []string `json:"measurement"`
			} `json:"metrics_collected"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal([]byte(boot.AgentConfig), &cfg); err != nil {
		t.Fatal(err)
	}
	// By group for the fleets' dashboards, by instance for the single
	// server's alarms (it belongs to no group).
	by := [][]string{{"AutoScalingGroupName"}, {"InstanceId"}}
	for _, dims := range by {
		if !slices.ContainsFunc(cfg.Metrics.Aggregation, func(d []string) bool { return slices.Equal(d, dims) }) {
			t.Errorf("the agent does not aggregate by %v: %v", dims, cfg.Metrics.Aggregation)
		}
	}
	sent := 0
	for plugin, c := range cfg.Metrics.Collected {
		for _, m := range c.Measurement {
			name := m
			if !strings.HasPrefix(m, plugin+"_") {
				name = plugin + "_" + m // the agent prefixes a plugin's measurements
			}
			for _, dims := range by {
				if err := observability.Check(cfg.Metrics.Namespace, name, dims, "us-east-1"); err != nil {
					t.Errorf("the agent sends %s: %v", name, err)
				}
			}
			sent++
		}
	}
	if sent != 2 {
		t.Errorf("the agent sends %d metrics, want memory and disk", sent)
	}
}

// Each phase's dashboards, as `pulumi up` would send them (the known-value
// view names every resource), are valid and kept in reviewed files:
// stacks/testdata/dashboards/phase-N-<dashboard>.json (go test ./stacks -run
// Dashboards -update).
func TestDashboardsPerPhase(t *testing.T) {
	for phase := 1; phase <= 9; phase++ {
		g, err := stackgraph.RunView(graph.Known, baseConfig(phase), "cacheAuthToken")
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range g.OfType("aws:cloudwatch/dashboard:Dashboard") {
			body := d.Str("dashboardBody")
			rows, err := observability.Validate(body)
			if err != nil {
				t.Errorf("phase %d, %s: %v", phase, d.Name, err)
				continue
			}
			if len(rows) == 0 {
				t.Errorf("phase %d, %s: no rows", phase, d.Name)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, []byte(body), "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteString("\n")
			path := filepath.Join("testdata", "dashboards", fmt.Sprintf("phase-%d-%s.json", phase, d.Name))
			if want, err := golden.Read(t, path, pretty.String(), *update); err != nil || want != pretty.String() {
				t.Errorf("phase %d: %s differs from %s; review and rerun with -update (%v)", phase, d.Name, path, err)
			}
		}
	}
}

// Each VPC's flow log writes to its own log group through a role only the
// flow-log service may assume, allowed every action the VPC User Guide
// ("IAM role for publishing flow logs to CloudWatch Logs") lists but creating
// groups (the group is the stack's): its streams and events on that group,
// and DescribeLogGroups on the account's groups, where that action is
// authorised.
func TestFlowLogsMayWriteTheirGroup(t *testing.T) {
	g := flowGraph(t, "aws", 7, 7) // known values: the group's ARN
	for _, net := range []string{"net", "net-secondary"} {
		fl := component(t, g, "aws:ec2/flowLog:FlowLog", net)
		group := fl.Str("logDestination")
		if fl.Str("logDestinationType") != "cloud-watch-logs" || !strings.Contains(group, ":log-group:") {
			t.Fatalf("%s: flow log to %s %s", net, fl.Str("logDestinationType"), group)
		}
		role := component(t, g, "aws:iam/role:Role", net+"-flow")
		if !strings.Contains(role.Str("assumeRolePolicy"), `"Service":"vpc-flow-logs.amazonaws.com"`) {
			t.Errorf("%s: role trusts %s", net, role.Str("assumeRolePolicy"))
		}
		var doc struct {
			Statement []struct {
				Action   any
				Resource any
			}
		}
		if err := json.Unmarshal([]byte(component(t, g, "aws:iam/rolePolicy:RolePolicy", net+"-flow").Str("policy")), &doc); err != nil {
			t.Fatal(err)
		}
		allowed := map[string][]string{} // action -> resources
		for _, st := range doc.Statement {
			for _, a := range strs(st.Action) {
				allowed[a] = append(allowed[a], strs(st.Resource)...)
			}
		}
		groups := group[:strings.Index(group, ":log-group:")] + ":log-group:*"
		for action, on := range map[string]string{
			"logs:CreateLogStream": group + ":*", "logs:PutLogEvents": group + ":*", "logs:DescribeLogStreams": group + ":*",
			"logs:DescribeLogGroups": groups,
		} {
			if !slices.Contains(allowed[action], on) {
				t.Errorf("%s: %s allowed on %v, want %s", net, action, allowed[action], on)
			}
		}
	}
}

// The single server of phases 1 and 2 is watched like a fleet: its system
// status check recovers it (EC2's recover action, in its own region) and
// notifies the topic; each of its alarms reads that instance (the app's 5xx
// reads the app's Service) and notifies the region's topic. Phase 3 replaces
// it by the fleet, and its alarms go with it.
func TestSingleServerIsWatched(t *testing.T) {
	for _, c := range []struct {
		phase  int
		region string
	}{{1, "us-east-1"}, {2, "eu-west-1"}} {
		t.Run(fmt.Sprintf("phase%d", c.phase), func(t *testing.T) {
			g := runWith(t, c.phase, map[string]string{"primaryRegion": c.region, "secondaryRegion": "us-west-2"})
			server := component(t, g, "aws:ec2/instance:Instance", "server")
			topic := component(t, g, "aws:sns/topic:Topic", "observability-alarms")
			for _, name := range []string{"server-status", "server-cpu", "server-memory", "server-disk", "server-5xx"} {
				a := component(t, g, tAlarm, name)
				if !slices.Contains(a.PropertyDependencies["alarmActions"], topic.URN) {
					t.Errorf("%s does not notify the alarm topic: %v", name, a.Get("alarmActions"))
				}
				if name == "server-5xx" {
					if a.Get("metricQueries.0.metric.dimensions.Service") != "web" {
						t.Errorf("%s reads %v, want the app's web Service", name, a.Get("metricQueries"))
					}
					continue
				}
				if !slices.Contains(a.PropertyDependencies["dimensions"], server.URN) {
					t.Errorf("%s does not read the server's instance: %v", name, a.Get("dimensions"))
				}
			}
			acts, _ := component(t, g, tAlarm, "server-status").Get("alarmActions").([]any)
			if !slices.Contains(acts, any("arn:aws:automate:"+c.region+":ec2:recover")) {
				t.Errorf("server-status takes actions %v, want EC2's recover in %s", acts, c.region)
			}
			if a := component(t, g, tAlarm, "server-status"); a.Str("metricName") != "StatusCheckFailed_System" {
				t.Errorf("the recover action is on %s; EC2 recovers only on StatusCheckFailed_System", a.Str("metricName"))
			}
		})
	}
}
