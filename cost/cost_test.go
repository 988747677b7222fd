package cost

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/scalezero/scalezero/app/config"
	"github.com/scalezero/scalezero/graph"

	"github.com/scalezero/scalezero/graph/stackgraph"
	"github.com/scalezero/scalezero/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden cost files in testdata/")

// The dev stack's settings, with the domain `make cost` plans every phase with.
const domain = "domain=shop.scalezero-demo.net"

var (
	graphsMu sync.Mutex
	graphs   = map[string]*graph.Graph{}
)

// stackGraph runs the real stack program offline (as `make plan` does) and
// reads its JSON the way cmd/cost does; each graph is made once.
func stackGraph(t *testing.T, phase int, set ...string) *graph.Graph {
	t.Helper()
	key := fmt.Sprint(phase, set)
	graphsMu.Lock()
	defer graphsMu.Unlock()
	if g, ok := graphs[key]; ok {
		return clone(t, g)
	}
	pg, err := stackgraph.RunStack("../Pulumi.dev.yaml", fmt.Sprint(phase), set...)
	if err != nil {
		t.Fatalf("plan phase %d: %v", phase, err)
	}
	raw, err := pg.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var g graph.Graph
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	graphs[key] = &g
	return clone(t, &g)
}

// clone is a deep copy, so a test may edit a graph.
func clone(t *testing.T, g *graph.Graph) *graph.Graph {
	raw, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	var c graph.Graph
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func defaults(t *testing.T) (*Table, *Usage) {
	t.Helper()
	table, err := DefaultTable()
	if err != nil {
		t.Fatal(err)
	}
	use, err := DefaultUsage()
	if err != nil {
		t.Fatal(err)
	}
	return table, use
}

// render is what `make cost PHASE=n` prints, or its error: the reviewed file.
func render(g *graph.Graph, table *Table, use *Usage) string {
	est, err := Compute(g, table, use)
	if err != nil {
		return "not priced:\n" + err.Error() + "\n"
	}
	return est.Markdown()
}

// Each phase's cost on the dev stack is held in a reviewed file: a change to
// the program, the table or the usage that moves a figure changes it.
func TestGoldenPerPhase(t *testing.T) {
	table, use := defaults(t)
	cases := map[string]func() *graph.Graph{}
	for p := 1; p <= 9; p++ {
		cases[fmt.Sprintf("phase-%d.md", p)] = func() *graph.Graph { return stackGraph(t, p, domain) }
	}
	cases["docker-phase-9.md"] = func() *graph.Graph { return stackGraph(t, 9, "target=docker") }
	for name, g := range cases {
		t.Run(name, func(t *testing.T) {
			got := render(g(), table, use)
			path := filepath.Join("testdata", name)
			want, err := golden.Read(t, path, got, *update)
			if err != nil {
				t.Fatalf("%v (go test ./cost -update writes it)", err)
			}
			if got != want {
				t.Errorf("%s changed; review and run go test ./cost -update\n--- got\n%s", path, got)
			}
		})
	}
}

func resource(t *testing.T, g *graph.Graph, typ, name string) *graph.Resource {
	t.Helper()
	for i := range g.Resources {
		if g.Resources[i].Type == typ && g.Resources[i].Name == name {
			return &g.Resources[i]
		}
	}
	t.Fatalf("no %s %s in phase %d", typ, name, g.Phase)
	return nil
}

func total(t *testing.T, g *graph.Graph, table *Table, use *Usage) float64 {
	t.Helper()
	est, err := Compute(g, table, use)
	if err != nil {
		t.Fatal(err)
	}
	return est.Total
}

func item(t *testing.T, table *Table, region, group, name string) float64 {
	t.Helper()
	p, ok := table.Regions[region][group].Items[name]
	if !ok {
		t.Fatalf("no %s %s in %s", group, name, region)
	}
	return p
}

// Changing a class or a count moves the figure by exactly the table's
// difference, nothing else.
func TestChangesCostTheTablesDifference(t *testing.T) {
	table, use := defaults(t)
	hours := table.HoursPerMonth
	const us = "us-east-1"
	cases := []struct {
		name string
		edit func(g *graph.Graph)
		want float64
	}{
		{"web instance type t3.small -> m7g.large", func(g *graph.Graph) {
			resource(t, g, "aws:ec2/launchTemplate:LaunchTemplate", "web-fleet").Inputs["instanceType"] = "m7g.large"
		}, 2 * hours * (item(t, table, us, "ec2", "m7g.large") - item(t, table, us, "ec2", "t3.small"))},
		{"web desired 2 -> 3", func(g *graph.Graph) {
			resource(t, g, "aws:autoscaling/group:Group", "web-fleet").Inputs["desiredCapacity"] = 3.0
		}, hours*item(t, table, us, "ec2", "t3.small") + 20*item(t, table, us, "ebs", "gp3")},
		{"database class t4g.medium -> t4g.small (Multi-AZ primary and replica)", func(g *graph.Graph) {
			resource(t, g, "aws:rds/instance:Instance", "db").Inputs["instanceClass"] = "db.t4g.small"
			resource(t, g, "aws:rds/instance:Instance", "db-replica-1").Inputs["instanceClass"] = "db.t4g.small"
		}, hours * (item(t, table, us, "rds.postgres.multiAZ", "db.t4g.small") - item(t, table, us, "rds.postgres.multiAZ", "db.t4g.medium") +
			item(t, table, us, "rds.postgres.singleAZ", "db.t4g.small") - item(t, table, us, "rds.postgres.singleAZ", "db.t4g.medium"))},
		{"primary Multi-AZ off", func(g *graph.Graph) {
			resource(t, g, "aws:rds/instance:Instance", "db").Inputs["multiAz"] = false
		}, hours*(item(t, table, us, "rds.postgres.singleAZ", "db.t4g.medium")-item(t, table, us, "rds.postgres.multiAZ", "db.t4g.medium")) -
			20*item(t, table, us, "rds.storage", "gp3")},
	}
	base := stackGraph(t, 4, domain)
	before := total(t, base, table, use)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := stackGraph(t, 4, domain)
			c.edit(g)
			if got := total(t, g, table, use) - before; math.Abs(got-c.want) > 1e-9 {
				t.Errorf("the figure moved by %.6f, the table says %.6f", got, c.want)
			}
		})
	}
}

// What the table does not cover fails, naming it, and never counts as zero.
func TestUnknownFailsWithItsName(t *testing.T) {
	table, use := defaults(t)
	cases := []struct {
		name, want string
		edit       func(g *graph.Graph)
	}{
		{"instance class", "t3.huge", func(g *graph.Graph) {
			resource(t, g, "aws:ec2/launchTemplate:LaunchTemplate", "web-fleet").Inputs["instanceType"] = "t3.huge"
		}},
		{"database class", "db.x9.large", func(g *graph.Graph) {
			resource(t, g, "aws:rds/instance:Instance", "db").Inputs["instanceClass"] = "db.x9.large"
		}},
		{"resource type", "aws:foo/bar:Baz", func(g *graph.Graph) {
			r := resource(t, g, "aws:ec2/vpc:Vpc", "net")
			g.Resources = append(g.Resources, graph.Resource{URN: r.URN + "-x", Type: "aws:foo/bar:Baz", Name: "x", Custom: true, Provider: r.Provider})
		}},
		{"region", "ap-south-2", func(g *graph.Graph) {
			for i := range g.Resources {
				if g.Resources[i].Type == "pulumi:providers:aws" {
					g.Resources[i].Inputs["region"] = "ap-south-2"
				}
			}
		}},
		{"unknown count", "desiredCapacity", func(g *graph.Graph) {
			asg := resource(t, g, "aws:autoscaling/group:Group", "web-fleet")
			delete(asg.Inputs, "desiredCapacity")
			delete(asg.Inputs, "minSize")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := stackGraph(t, 3, domain)
			c.edit(g)
			est, err := Compute(g, table, use)
			if err == nil {
				t.Fatalf("priced at %.2f", est.Total)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("the error does not name %s: %v", c.want, err)
			}
		})
	}
}

// Every quantity in the usage file is documented by a comment above it, and
// a usage file missing one is an error rather than a zero.
func TestUsageDefaultsAreDocumentedAndRequired(t *testing.T) {
	sc := bufio.NewScanner(bytes.NewReader(defaultUsage))
	commented := false
	var keys []string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#"):
			commented = true
		case strings.HasSuffix(line, ":"): // a section or a map: its entries follow
		case line != "":
			if !commented && !strings.HasPrefix(sc.Text(), "    ") {
				t.Errorf("usage.yaml: %q has no comment saying what it counts", line)
			}
			commented = false
			keys = append(keys, line)
		}
	}
	for _, k := range []string{"lcu:", "dataGB:", "dataOutGB:", "storageGB:", "ingestedGB:"} {
		t.Run("without "+k, func(t *testing.T) {
			var kept []string
			for _, l := range strings.Split(string(defaultUsage), "\n") {
				if !strings.HasPrefix(strings.TrimSpace(l), k+" ") {
					kept = append(kept, l)
				}
			}
			if _, err := ParseUsage([]byte(strings.Join(kept, "\n"))); err == nil {
				t.Errorf("a usage file without %s parses", k)
			}
		})
	}
	if len(keys) == 0 {
		t.Fatal("no quantities read from usage.yaml")
	}
}

// The table names a source for every group, each read no later than the
// table's date, which is the newest reading (the figures hold as of it), and
// refuses a group whose source is not listed.
func TestTableSources(t *testing.T) {
	table, _ := defaults(t)
	newest := ""
	for name, s := range table.Sources {
		if s.Read > table.Date {
			t.Errorf("source %s was read %s, after the table's date %s", name, s.Read, table.Date)
		}
		newest = max(newest, s.Read)
	}
	if newest != table.Date {
		t.Errorf("the table is dated %s, its newest reading %s", table.Date, newest)
	}
	used := map[string]bool{}
	for _, groups := range table.Regions {
		for _, g := range groups {
			used[g.Source] = true
		}
	}
	for name := range table.Sources {
		if !used[name] {
			t.Errorf("source %s prices nothing", name)
		}
	}
	bad := strings.Replace(string(defaultPrices), "source: kms\n", "source: nowhere\n", 1)
	if _, err := ParseTable([]byte(bad)); err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Errorf("a group with an unlisted source: %v", err)
	}
}

// The docker target runs on one local host: its resources cost nothing on
// AWS, listed as such, not an error.
func TestDockerTargetIsLocal(t *testing.T) {
	table, use := defaults(t)
	est, err := Compute(stackGraph(t, 9, "target=docker"), table, use)
	if err != nil {
		t.Fatal(err)
	}
	if est.Total != 0 || len(est.Lines) == 0 {
		t.Fatalf("docker phase 9: %.2f over %d lines", est.Total, len(est.Lines))
	}
	for _, l := range est.Lines {
		if l.Free == "" {
			t.Errorf("%s %s is priced", l.Type, l.Name)
		}
	}
}

// The step table and a diff report exactly the totals' difference.
func TestSummaryAndDiff(t *testing.T) {
	table, use := defaults(t)
	var phases []Phase
	for p := 1; p <= 4; p++ {
		est, err := Compute(stackGraph(t, p, domain), table, use)
		if err != nil {
			t.Fatal(err)
		}
		phases = append(phases, Phase{Number: p, Est: est})
	}
	sum := Summary(phases)
	step := signed(phases[3].Est.Total - phases[2].Est.Total)
	if !strings.Contains(sum, "| 4 | "+usd(phases[3].Est.Total)+" | "+step+" | database ") {
		t.Errorf("summary:\n%s", sum)
	}
	d := Diff("phase 3 -> 4", phases[2].Est, phases[3].Est)
	if !strings.Contains(d, "("+step+")") || !strings.Contains(d, "`db-replica-1`") {
		t.Errorf("diff:\n%s", d)
	}
	if same := Diff("phase 4", phases[3].Est, phases[3].Est); !strings.Contains(same, "No priced resource changes") {
		t.Errorf("diff of a phase with itself:\n%s", same)
	}
}

// only keeps the resources of the given types, with the providers and the
// components: a graph small enough to price one rule where the rest of the
// phase is not in the table.
func only(g *graph.Graph, types ...string) *graph.Graph {
	var kept []graph.Resource
	for _, r := range g.Resources {
		if !r.Custom || strings.HasPrefix(r.Type, "pulumi:providers:") || contains(types, r.Type) {
			kept = append(kept, r)
		}
	}
	g.Resources = kept
	return g
}

func lines(t *testing.T, g *graph.Graph, table *Table, use *Usage, typ string) []Line {
	t.Helper()
	est, err := Compute(g, table, use)
	if err != nil {
		t.Fatal(err)
	}
	var out []Line
	for _, l := range est.Lines {
		if l.Type == typ {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s in phase %d", typ, g.Phase)
	}
	return out
}

// A Route 53 health check costs the basic check for its endpoint (the load
// balancer, an AWS endpoint) plus $1 a feature: HTTPS once the domain is
// delegated, nothing more over HTTP.
func TestHealthChecksPriceTheirFeatures(t *testing.T) {
	table, use := defaults(t)
	const hc = "aws:route53/healthCheck:HealthCheck"
	types := []string{hc, "aws:lb/loadBalancer:LoadBalancer"}
	basic := item(t, table, GlobalRegion, "route53.healthChecks", "awsEndpoint")
	feature := item(t, table, GlobalRegion, "route53.healthChecks", "awsEndpointFeature")
	for _, c := range []struct {
		name, set, typ string
		want           float64
	}{
		{"domain not delegated", "zoneDelegated=false", "HTTP", basic},
		{"domain delegated", "zoneDelegated=true", "HTTPS", basic + feature},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := only(stackGraph(t, 7, domain, c.set), types...)
			for _, l := range lines(t, g, table, use, hc) {
				if r := resource(t, g, hc, l.Name); r.Inputs["type"] != c.typ {
					t.Fatalf("%s checks %v, want %s", l.Name, r.Inputs["type"], c.typ)
				}
				if math.Abs(l.Monthly-c.want) > 1e-9 || !strings.Contains(l.Detail, "AWS endpoint") {
					t.Errorf("%s: %.2f (%s), want %.2f", l.Name, l.Monthly, l.Detail, c.want)
				}
			}
		})
	}
	t.Run("endpoint not in the stack", func(t *testing.T) {
		g := only(stackGraph(t, 7, domain), types...)
		r := resource(t, g, hc, "dns-primary")
		r.PropertyDependencies["fqdn"] = nil
		for _, l := range lines(t, g, table, use, hc) {
			want := basic
			if l.Name == "dns-primary" {
				want = item(t, table, GlobalRegion, "route53.healthChecks", "nonAWSEndpoint")
			}
			if math.Abs(l.Monthly-want) > 1e-9 {
				t.Errorf("%s: %.2f, want %.2f", l.Name, l.Monthly, want)
			}
		}
	})
}

// A dashboard costs the same in every region (the Price List has one,
// regionless product); an SNS topic costs nothing of its own.
func TestDashboardsAreGlobalAndTopicsFree(t *testing.T) {
	table, use := defaults(t)
	g := only(stackGraph(t, 7, domain), "aws:cloudwatch/dashboard:Dashboard", "aws:sns/topic:Topic")
	regions := map[string]bool{}
	for _, l := range lines(t, g, table, use, "aws:cloudwatch/dashboard:Dashboard") {
		regions[l.Region] = true
		if l.Monthly != item(t, table, GlobalRegion, "cloudwatch.dashboards", "dashboard") {
			t.Errorf("dashboard %s in %s: %.2f", l.Name, l.Region, l.Monthly)
		}
	}
	if len(regions) != 2 {
		t.Errorf("dashboards in %v, want one per region", regions)
	}
	for _, l := range lines(t, g, table, use, "aws:sns/topic:Topic") {
		if l.Free == "" {
			t.Errorf("topic %s is priced", l.Name)
		}
	}
}

// A phase the table cannot price says which figures are missing, each once,
// in the error and in the table of phases.
func TestUnpricedNamesTheMissingFigures(t *testing.T) {
	table, use := defaults(t)
	delete(table.Regions["us-east-1"]["ec2"].Items, "t3.small")
	_, err := Compute(stackGraph(t, 3, domain), table, use)
	var u *Unpriced
	if !errors.As(err, &u) {
		t.Fatalf("not an *Unpriced: %v", err)
	}
	if got := u.Missing(); len(got) != 1 || got[0] != "ec2 t3.small in us-east-1" {
		t.Errorf("missing %q", got)
	}
	sum := Summary([]Phase{{Number: 3, Err: err}})
	if !strings.Contains(sum, "| 3 | not priced | | the price table lacks ec2 t3.small in us-east-1") {
		t.Errorf("summary:\n%s", sum)
	}
}

func TestCount(t *testing.T) {
	for in, want := range map[float64]string{5e6: "5,000,000", 100000: "100,000", 999: "999", 1000: "1,000", 1.5: "1.5"} {
		if got := count(in); got != want {
			t.Errorf("count(%g) = %s, want %s", in, got, want)
		}
	}
}

// An on-demand table is billed per request, per GB and per GB of recovery in
// its region, and each replica again (storage, recovery, every write as a
// replicated write) in the replica's region; a provisioned table is not
// priced, which is an error, not a zero.
func TestTablesPriceEveryReplica(t *testing.T) {
	table, use := defaults(t)
	const typ = "aws:dynamodb/table:Table"
	price := func(region, group, it string) float64 { return item(t, table, region, group, it) }
	gb, w, r := *use.DynamoDB.StorageGB, *use.DynamoDB.Writes/1e6, *use.DynamoDB.Reads/1e6
	local := w*price("us-east-1", "dynamodb.requests", "write") + r*price("us-east-1", "dynamodb.requests", "read") +
		gb*(price("us-east-1", "dynamodb.storage", "standard")+price("us-east-1", "dynamodb.pitr", "standard"))
	replica := w*price("eu-west-1", "dynamodb.replicatedWrites", "standard") +
		gb*(price("eu-west-1", "dynamodb.storage", "standard")+price("eu-west-1", "dynamodb.pitr", "standard"))
	for phase, want := range map[int]float64{6: local, 7: local + replica} {
		ls := lines(t, only(stackGraph(t, phase, domain), typ), table, use, typ)
		if len(ls) != 1 || math.Abs(ls[0].Monthly-want) > 1e-9 {
			t.Errorf("phase %d: %+v, want one line of %.4f", phase, ls, want)
		}
	}
	g := only(stackGraph(t, 6, domain), typ)
	resource(t, g, typ, "sessions").Inputs["billingMode"] = "PROVISIONED"
	if _, err := Compute(g, table, use); err == nil || !strings.Contains(err.Error(), "PROVISIONED is not priced") {
		t.Errorf("a provisioned table: %v", err)
	}
}

// The request lines priced are those the app logs at its defaults: the
// usage file's sampled fraction is the app's log.sample_rate default.
func TestRequestSampleRateIsTheAppDefault(t *testing.T) {
	u, err := DefaultUsage()
	if err != nil {
		t.Fatal(err)
	}
	if *u.Logs.RequestSampleRate != config.DefaultLogSampleRate {
		t.Errorf("usage.yaml logs.requestSampleRate %g, the app's log.sample_rate default %g", *u.Logs.RequestSampleRate, config.DefaultLogSampleRate)
	}
}

// A web log group ingests its request lines on top of the other logs, as
// many as the sampling lets through; other log groups hold none.
func TestWebLogGroupsPayForSampledRequestLines(t *testing.T) {
	table, u := defaults(t)
	price := func(region, group, it string) float64 { return item(t, table, region, group, it) }
	*u.Logs.WebRequests, *u.Logs.RequestLineBytes, *u.Logs.RequestSampleRate = 2e9, 250, 0.01 // 5 GB of lines
	for _, c := range []struct {
		name string
		want float64 // GB ingested
	}{{"observability-web", 10}, {"observability-secondary-web", 10}, {"observability-worker", 5}, {"db", 5}} {
		t.Run(c.name, func(t *testing.T) {
			ch := &charges{p: &pricer{u: u, t: table}, r: &graph.Resource{Name: c.name, Type: "aws:cloudwatch/logGroup:LogGroup"}, region: "us-east-1"}
			logGroup(ch)
			if len(ch.errs) > 0 {
				t.Fatal(ch.errs)
			}
			want := c.want*price("us-east-1", "cloudwatch.logs", "ingested") + c.want*price("us-east-1", "cloudwatch.logs", "stored")
			if math.Abs(ch.total-want) > 1e-9 {
				t.Errorf("%s: $%.4f (%v), want $%.4f for %g GB", c.name, ch.total, ch.parts, want, c.want)
			}
		})
	}
}
