package observability

import (
	"encoding/json"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/record"
	"github.com/scalezero/scalezero/internal/golden"
)

var update = flag.Bool("update", false, "rewrite testdata/dashboard.json")

// byName indexes a recorded graph by logical name.
func byName(g *graph.Graph) map[string]graph.Resource {
	out := map[string]graph.Resource{}
	for _, r := range g.Resources {
		out[r.Name] = r
	}
	return out
}

// every tier of a phase-9 primary region in us-east-1.
func fullArgs() *Args {
	return &Args{
		Region: "us-east-1", DashboardName: "scalezero-dev-primary",
		LogGroups: []string{"web", "worker"}, LogGroupPath: "/scalezero/dev/", LogRetentionDays: 30,
		LoadBalancers: []LoadBalancer{{Name: "web", ARNSuffix: pulumi.String("app/web/1"), TargetGroupARNSuffix: pulumi.String("targetgroup/web/2")}},
		Databases: []Database{
			{Name: "db", Identifier: pulumi.String("db-1"), StorageGiB: 20},
			{Name: "db-replica-1", Identifier: pulumi.String("db-1-r1"), Replica: true, StorageGiB: 20},
		},
		Caches:         []Cache{{Name: "cache", ReplicationGroupID: pulumi.String("cache-1"), Nodes: 2}},
		Queues:         []Queue{{Name: "jobs", QueueName: pulumi.String("jobs-1"), DLQName: pulumi.String("jobs-dlq-1"), OldestMessageSecond: 600}},
		DistributionID: pulumi.String("E123"),
		Fleets:         []Fleet{{Name: "web", Service: "web", GroupName: pulumi.String("web-fleet-1")}, {Name: "worker", Service: "worker", GroupName: pulumi.String("worker-fleet-1")}},
		HealthChecks:   []HealthCheck{{Name: "region", ID: pulumi.String("hc-1")}},
	}
}

func build(t *testing.T, args *Args) map[string]graph.Resource {
	t.Helper()
	g, err := record.KnownErr(func(ctx *pulumi.Context) error {
		_, err := New(ctx, "observability", args)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return byName(g)
}

// The dashboard is valid CloudWatch dashboard JSON: widgets on the 24-wide
// grid, each metric one that exists with those dimensions in the widget's
// region, and a row per tier. It is kept in a reviewed file.
func TestDashboardBody(t *testing.T) {
	c := build(t, fullArgs())
	body := c["scalezero-dev-primary"].Str("dashboardBody")
	rows, err := Validate(body)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Load balancer web", "Fleets", "App", "Business", "Jobs", "Databases", "Cache cache", "CDN", "Queue jobs", "Regions' health checks"}
	if strings.Join(rows, "|") != strings.Join(want, "|") {
		t.Errorf("rows %v, want %v", rows, want)
	}
	pretty, _ := json.MarshalIndent(json.RawMessage(body), "", "  ")
	if *update {
		if err := os.WriteFile("testdata/dashboard.json", append(pretty, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile("testdata/dashboard.json")
	if err != nil || string(golden) != string(pretty)+"\n" {
		t.Errorf("the dashboard differs from testdata/dashboard.json (go test ./components/observability -update, then review): %v", err)
	}
}

// A region that is not us-east-1 makes no alarm on the metrics that exist
// only there; us-east-1 makes them.
func TestGlobalAlarmsOnlyInUSEast1(t *testing.T) {
	args := fullArgs()
	c := build(t, args)
	for _, name := range []string{"cdn-5xx", "region-failing"} {
		if _, ok := c[name]; !ok {
			t.Errorf("us-east-1 lacks alarm %s", name)
		}
	}
	args = fullArgs()
	args.Region = "eu-west-1"
	c = build(t, args)
	for _, name := range []string{"cdn-5xx", "region-failing"} {
		if _, ok := c[name]; ok {
			t.Errorf("eu-west-1 makes alarm %s on a us-east-1 metric", name)
		}
	}
}

func TestBadArgsAreNamed(t *testing.T) {
	for _, a := range []*Args{
		{Region: ""},
		{Region: "us-east-1", DashboardName: "has space"},
		{Region: "us-east-1", AlertEmail: "not-an-address"},
		{Region: "us-east-1", LogGroups: []string{"web"}},
	} {
		_, err := record.KnownErr(func(ctx *pulumi.Context) error {
			_, err := New(ctx, "o", a)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "allowed") {
			t.Errorf("%+v: %v", a, err)
		}
	}
}

// The README's picture is drawn from the dashboard in testdata.
func TestDashboardPicture(t *testing.T) {
	body, err := os.ReadFile("testdata/dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	svg, err := SVG(string(body))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := golden.Read(t, "../../docs/dashboard.svg", svg, *update); err != nil || got != svg {
		t.Errorf("docs/dashboard.svg is not the picture of testdata/dashboard.json (go test ./components/observability -update): %v", err)
	}
	if !strings.Contains(svg, "Replica lag") || strings.Count(svg, "<rect") < 15 {
		t.Errorf("the picture lacks widgets:\n%s", svg)
	}
}

// Validate refuses what CloudWatch would not draw, naming the widget.
func TestValidateRefuses(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"widgets":[{"type":"metric","x":20,"y":0,"width":8,"height":6,"properties":{"title":"wide","region":"us-east-1","metrics":[["AWS/SQS","NumberOfMessagesSent","QueueName","q",{}]]}}]}`, "off the grid"},
		{`{"widgets":[{"type":"metric","x":0,"y":0,"width":8,"height":6,"properties":{"title":"t","region":"us-east-1","metrics":[["AWS/SQS","Nope","QueueName","q",{}]]}}]}`, "no metric Nope"},
		{`{"widgets":[{"type":"metric","x":0,"y":0,"width":8,"height":6,"properties":{"title":"t","region":"us-east-1","metrics":[["AWS/SQS","NumberOfMessagesSent","Queue","q",{}]]}}]}`, "no dimension set"},
		{`{"widgets":[{"type":"metric","x":0,"y":0,"width":8,"height":6,"properties":{"title":"t","region":"eu-west-1","metrics":[["AWS/Route53","HealthCheckStatus","HealthCheckId","h",{}]]}}]}`, "only in us-east-1"},
		{`{"widgets":[{"type":"metric","x":0,"y":0,"width":8,"height":6,"properties":{"title":"t","region":"us-east-1","metrics":[]}}]}`, "0 metrics"},
		{`{"widgets":[{"type":"log","x":0,"y":0,"width":8,"height":6,"properties":{}}]}`, `type "log"`},
		{`not json`, "not JSON"},
	} {
		if _, err := Validate(c.body); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.body, err, c.want)
		}
	}
}

// The single server (phases 1-2) gets its alarms and its dashboard row: the
// system status check with EC2's recover action in the region given, CPU,
// the agent's memory and disk by instance, and the app's 5xx rate; each
// notifies the topic.
func TestServerAlarms(t *testing.T) {
	g, err := record.KnownErr(func(ctx *pulumi.Context) error {
		_, err := New(ctx, "observability", &Args{Region: "ap-southeast-4", DashboardName: "d", LogGroups: []string{"web"}, LogGroupPath: "/scalezero/dev/", LogRetentionDays: 30,
			Server: &Server{Name: "server", InstanceID: pulumi.String("i-0123")}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c := byName(g)
	topic, ok := g.Named("aws:sns/topic:Topic", "observability-alarms")
	if !ok {
		t.Fatal("no alarm topic")
	}
	for name, metric := range map[string]string{"server-status": "StatusCheckFailed_System", "server-cpu": "CPUUtilization", "server-memory": "mem_used_percent", "server-disk": "disk_used_percent"} {
		in, ok := c[name]
		if !ok {
			t.Errorf("no alarm %s", name)
			continue
		}
		if in.Str("metricName") != metric || in.Str("dimensions.InstanceId") != "i-0123" {
			t.Errorf("%s reads %v %v, want %s of i-0123", name, in.Get("metricName"), in.Get("dimensions"), metric)
		}
		acts, _ := in.Get("alarmActions").([]any)
		if len(acts) == 0 || !in.DependsOn("alarmActions", topic.URN) || !strings.HasPrefix(in.Str("alarmActions.0"), "arn:aws:sns:") {
			t.Errorf("%s does not notify the topic: %v", name, acts)
		}
		if want := 1 + btoi(name == "server-status"); len(acts) != want {
			t.Errorf("%s takes %d actions, want %d: %v", name, len(acts), want, acts)
		}
	}
	if acts, _ := c["server-status"].Get("alarmActions").([]any); len(acts) != 2 || acts[1] != "arn:aws:automate:ap-southeast-4:ec2:recover" {
		t.Errorf("server-status actions %v, want the topic and EC2's recover in ap-southeast-4", acts)
	}
	q := c["server-5xx"]
	if qs, _ := q.Get("metricQueries").([]any); len(qs) != 3 || q.Str("metricQueries.0.metric.metricName") != "ServerErrors" ||
		q.Str("metricQueries.0.metric.namespace") != AppNamespace {
		t.Errorf("server-5xx queries %v, want the app's ServerErrors per Requests", q)
	}
	rows, err := Validate(c["d"].Str("dashboardBody"))
	if err != nil || !slices.Contains(rows, "Server server") {
		t.Errorf("dashboard rows %v (%v), want a Server row", rows, err)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
