package stacks_test

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app/config"
	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/stackgraph"
)

func dockerGraph(t *testing.T, phase int) *graph.Graph {
	t.Helper()
	return targetGraph(t, "docker", phase)
}

// alias is the name a container answers to on its networks.
func alias(r graph.Resource) string {
	nets, _ := r.Inputs["networksAdvanced"].([]any)
	if len(nets) == 0 {
		return ""
	}
	aliases, _ := nets[0].(map[string]any)["aliases"].([]any)
	if len(aliases) == 0 {
		return ""
	}
	return aliases[0].(string)
}

func containersOf(g *graph.Graph) map[string]graph.Resource {
	out := map[string]graph.Resource{}
	for _, r := range g.OfType("docker:index/container:Container") {
		out[alias(r)] = r
	}
	return out
}

func TestDockerPhasesRunTheChaptersTiersAsContainers(t *testing.T) {
	want := map[int]string{
		1: "server-0 server-cache server-db",
		2: "db server-0",
		3: "db lb web-0 web-1",
		4: "db db-replica-0 lb web-0 web-1",
		5: "cache cdn db db-replica-0 lb web-0 web-1",
		6: "cache cdn db db-replica-0 lb sessions web-0 web-1",
		7: "cache cache-secondary cdn db db-replica-0 db-replica-secondary lb lb-secondary sessions web-0 web-1 web-secondary-0 web-secondary-1",
		8: "cache cache-secondary cdn db db-replica-0 db-replica-secondary jobs lb lb-secondary sessions web-0 web-1 web-secondary-0 web-secondary-1 worker-0 worker-1",
		9: "cache cache-secondary cdn db db-replica-0 db-replica-secondary jobs lb lb-secondary sessions shard-0 shard-0-replica-0 shard-1 shard-1-replica-0 web-0 web-1 web-secondary-0 web-secondary-1 worker-0 worker-1",
	}
	for phase := 1; phase <= 9; phase++ {
		g := dockerGraph(t, phase)
		got := slices.Sorted(func(yield func(string) bool) {
			for name := range containersOf(g) {
				if !yield(name) {
					return
				}
			}
		})
		if strings.Join(got, " ") != want[phase] {
			t.Errorf("phase %d containers:\n got %v\nwant %v", phase, got, want[phase])
		}
		for _, r := range g.Resources {
			if r.Custom && !strings.HasPrefix(r.Type, "docker:") && !strings.HasPrefix(r.Type, "pulumi:providers:docker") {
				t.Errorf("phase %d: the docker target declares %s", phase, r.Type)
			}
		}
		networks := 1
		if phase >= 7 {
			networks = 2 // one per region
		}
		if n := len(g.OfType("docker:index/network:Network")); n != networks {
			t.Errorf("phase %d: %d networks, want %d", phase, n, networks)
		}
	}
}

// The app containers' settings are the app's own: every name is one the app
// reads, and the app's config loader accepts them, with the tiers the phase has.
func TestDockerAppSettingsLoadInTheApp(t *testing.T) {
	reads := map[string]bool{"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true}
	for _, v := range config.EnvVars() {
		reads[v] = true
	}
	for phase := 1; phase <= 9; phase++ {
		for name, c := range containersOf(dockerGraph(t, phase)) {
			cmd, _ := c.Inputs["command"].([]any)
			if len(cmd) != 1 || (cmd[0] != "web" && cmd[0] != "worker") {
				continue
			}
			t.Run(fmt.Sprintf("phase%d/%s", phase, name), func(t *testing.T) {
				secrets := 0
				for _, kv := range strs(c.Inputs["envs"]) {
					if kv == graph.Secret {
						secrets++ // the cookie keys, the cache's password from phase 5, the sessions' Redis's from 6
						continue
					}
					k, v, _ := strings.Cut(kv, "=")
					if !reads[k] {
						t.Errorf("sets %s, which the app does not read", k)
					}
					t.Setenv(k, v)
				}
				if want := 1 + btoi(phase >= 5) + btoi(phase >= 6); secrets != want {
					t.Errorf("%d secret settings, want %d", secrets, want)
				}
				if phase >= 5 {
					t.Setenv("SCALEZERO_CACHE_PASSWORD", testToken)
				}
				cfg, err := config.Load(nil)
				if err != nil {
					t.Fatalf("the app refuses its settings: %v", err)
				}
				secondary := strings.Contains(name, "secondary")
				checks := []struct {
					what string
					ok   bool
				}{
					{"replicas from phase 4", (len(cfg.ReaderURLs) > 0) == (phase >= 4)},
					{"a cache in phase 1 and from 5", (cfg.CacheAddr != "") == (phase == 1 || phase >= 5)},
					{"the cache's password from 5", (cfg.CachePassword != "") == (phase >= 5)},
					{"sessions in a non-evicting Redis of their own from 6", (cfg.SessionStore == "redis" && cfg.SessionRedisAddr != cfg.CacheAddr) == (phase >= 6)},
					{"the CDN from 5", (cfg.CDNBaseURL != "") == (phase >= 5)},
					{"jobs from 8", (cfg.QueueURL != "" && cfg.AWSEndpoint != "") == (phase >= 8)},
					{"shards in 9", (len(cfg.Shards) == 2) == (phase == 9)},
					// One emulator's queue and bucket for both regions: each
					// container names the primary region as their region.
					{"the job tier in the primary region", phase < 8 || (cfg.JobsRegion == "us-east-1" && len(cfg.JobsBuckets) == 1 && cfg.JobsBuckets[0].Region == "us-east-1")},
					{"the region", cfg.Region == map[bool]string{false: "us-east-1", true: "eu-west-1"}[secondary]},
				}
				for _, c := range checks {
					if !c.ok {
						t.Errorf("%s: config %+v", c.what, cfg)
					}
				}
			})
		}
	}
}

func nginxConfig(t *testing.T, lb graph.Resource) string {
	t.Helper()
	for _, u := range lb.Inputs["uploads"].([]any) {
		m := u.(map[string]any)
		if m["file"] == "/etc/nginx/conf.d/default.conf" {
			b, err := base64.StdEncoding.DecodeString(m["contentBase64"].(string))
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatal("no nginx config")
	return ""
}

// nginx keeps a client on one web container exactly while sessions live in
// each instance (phases 3-5), as the ALB's stickiness does.
func TestDockerLoadBalancerStickinessFollowsTheSessions(t *testing.T) {
	for phase := 3; phase <= 9; phase++ {
		cs := containersOf(dockerGraph(t, phase))
		conf := nginxConfig(t, cs["lb"])
		if got := strings.Contains(conf, "ip_hash;"); got != (phase <= 5) {
			t.Errorf("phase %d: ip_hash %v", phase, got)
		}
		// Replaced web containers get new addresses: nginx looks them up again.
		if !strings.Contains(conf, "resolver 127.0.0.11") || !strings.Contains(conf, "zone app") {
			t.Errorf("phase %d: nginx does not re-resolve its backends:\n%s", phase, conf)
		}
		for _, web := range []string{"web-0", "web-1"} {
			if !strings.Contains(conf, "server "+web+":8080 resolve") {
				t.Errorf("phase %d: nginx lacks %s:\n%s", phase, web, conf)
			}
		}
		if !slices.Contains(cs["lb"].Dependencies, cs["web-0"].URN) {
			t.Errorf("phase %d: nginx does not wait for its backends", phase)
		}
	}
}

// Only the site, the second region's site and the CDN reach the host; the
// databases, caches and the job tier stay on the stack's networks.
func TestDockerPublishesOnlyTheSites(t *testing.T) {
	want := map[string]float64{"lb": 8080, "lb-secondary": 8081, "cdn": 8090, "server-0": 8080}
	for phase := 1; phase <= 9; phase++ {
		for name, c := range containersOf(dockerGraph(t, phase)) {
			ports, _ := c.Inputs["ports"].([]any)
			port, published := want[name]
			switch {
			case !published && len(ports) > 0:
				t.Errorf("phase %d: %s publishes %v", phase, name, ports)
			case published && (len(ports) != 1 || ports[0].(map[string]any)["external"] != port):
				t.Errorf("phase %d: %s publishes %v, want %v", phase, name, ports, port)
			case published && ports[0].(map[string]any)["ip"] != "127.0.0.1":
				// A local stand-in is not for the network unless asked.
				t.Errorf("phase %d: %s publishes on %v, want 127.0.0.1 (localBindAddress's default)", phase, name, ports[0].(map[string]any)["ip"])
			case published && (c.Options == nil || c.Options.DeleteBeforeReplace == nil || !*c.Options.DeleteBeforeReplace):
				// A replacement created first could not bind the port.
				t.Errorf("phase %d: %s publishes a host port but is not replaced delete-first", phase, name)
			}
		}
	}
}

func TestDockerRunsTheImageItBuilds(t *testing.T) {
	g := dockerGraph(t, 8)
	imgs := g.OfType("docker:index/image:Image")
	if len(imgs) != 1 || imgs[0].Inputs["skipPush"] != true || imgs[0].Inputs["build"].(map[string]any)["dockerfile"] != "app/Dockerfile" {
		t.Fatalf("app image: %+v", imgs)
	}
	for name, c := range containersOf(g) {
		if !strings.HasPrefix(name, "web") && !strings.HasPrefix(name, "worker") {
			continue
		}
		if deps := c.PropertyDependencies["image"]; len(deps) != 1 || deps[0] != imgs[0].URN {
			t.Errorf("%s runs %v, want the built image", name, deps)
		}
	}
	if cmd := strs(containersOf(g)["worker-0"].Inputs["command"]); fmt.Sprint(cmd) != "[worker]" {
		t.Errorf("worker command %v", cmd)
	}
}

func TestDockerExports(t *testing.T) {
	if got, want := exportsOfTarget(t, "docker", 8), "cacheEndpoint cdnUrl dbReaderEndpoints dbWriterEndpoint deadLetterQueueUrl imageRef jobsBucket loadBalancerDnsName next phase queueUrl regions secondaryDbReader secondaryLoadBalancer url"; strings.Join(got, " ") != want {
		t.Errorf("docker phase 8 exports\n got %v\nwant %s", got, want)
	}
}

// A replica copies its primary as the role the primary's image created, and
// streams from the primary's name.
func TestDockerReplicasCopyTheirPrimaryAsItsSuperuser(t *testing.T) {
	cs := containersOf(dockerGraph(t, 9))
	env := func(name string) map[string]string {
		out := map[string]string{}
		for _, kv := range strs(cs[name].Inputs["envs"]) {
			k, v, _ := strings.Cut(kv, "=")
			out[k] = v
		}
		return out
	}
	for replica, primary := range map[string]string{"db-replica-0": "db", "db-replica-secondary": "db", "shard-1-replica-0": "shard-1"} {
		r, p := env(replica), env(primary)
		if r["PRIMARY_HOST"] != primary || r["PRIMARY_USER"] == "" || r["PRIMARY_USER"] != p["POSTGRES_USER"] {
			t.Errorf("%s copies %s as %q; %s's superuser is %q", replica, r["PRIMARY_HOST"], r["PRIMARY_USER"], primary, p["POSTGRES_USER"])
		}
	}
}

// Every long-running container has a health check and its create waits for
// it, so `pulumi up` returns once the phase can serve (as an ALB's health
// check gates a fleet), and fails when a tier never becomes healthy.
func TestDockerContainersWaitUntilHealthy(t *testing.T) {
	checks := map[string]string{ // by the start of the name: what the check runs
		"server-0": "scalezero probe", "web": "scalezero probe", "worker": "scalezero probe",
		"db": "pg_isready", "shard": "pg_isready", "server-db": "pg_isready",
		"cache": "redis-cli", "server-cache": "redis-cli", "sessions": "redis-cli",
		"lb": "curl", "cdn": "curl", "jobs": "wget",
	}
	for phase := 1; phase <= 9; phase++ {
		for name, c := range containersOf(dockerGraph(t, phase)) {
			if c.Inputs["mustRun"] != true {
				continue
			}
			hc, _ := c.Inputs["healthcheck"].(map[string]any)
			test := ""
			if tests, ok := hc["tests"].([]any); ok {
				test = strings.Join(strs(tests), " ")
			}
			if c.Inputs["wait"] != true || c.Inputs["waitTimeout"] == nil || test == "" {
				t.Errorf("phase %d: %s does not wait for a health check: healthcheck %v, wait %v, waitTimeout %v", phase, name, hc, c.Inputs["wait"], c.Inputs["waitTimeout"])
				continue
			}
			want := ""
			for prefix := range checks {
				if strings.HasPrefix(name, prefix) && len(prefix) > len(want) {
					want = prefix
				}
			}
			if want == "" || !strings.Contains(test, checks[want]) {
				t.Errorf("phase %d: %s checks its health with %q, want %q", phase, name, test, checks[want])
			}
		}
	}
}

// The provider reads a container's health-check durations back from the
// engine as Go's Duration.String gives them ("2m0s"); a duration written any
// other way ("120s") differs from what the next preview reads, and the
// provider replaces the container on every up (the first real run on an
// engine showed it: every container, every step).
func TestDockerHealthCheckDurationsReadBackAsWritten(t *testing.T) {
	for phase := 1; phase <= 9; phase++ {
		for name, c := range containersOf(dockerGraph(t, phase)) {
			hc, _ := c.Inputs["healthcheck"].(map[string]any)
			for _, field := range []string{"interval", "timeout", "startPeriod", "startInterval"} {
				v, ok := hc[field].(string)
				if !ok {
					continue
				}
				d, err := time.ParseDuration(v)
				if err != nil {
					t.Errorf("phase %d: %s healthcheck.%s %q: %v", phase, name, field, v, err)
					continue
				}
				if d.String() != v {
					t.Errorf("phase %d: %s healthcheck.%s is %q; the provider reads it back as %q, a change on every preview", phase, name, field, v, d.String())
				}
			}
		}
	}
}

// From phase 3 a rollout loses no request, as the AWS fleet's: each web
// container is replaced by a new one that is created and healthy before the
// old one is stopped (the provider would delete first), the old one gets
// SIGTERM and time to drain (the provider force-removes without a grace
// period), and nginx learns the new addresses within a second and passes a
// request an old one no longer takes to another.
func TestDockerRolloutsCreateBeforeTheyStop(t *testing.T) {
	for phase := 3; phase <= 9; phase++ {
		cs := containersOf(dockerGraph(t, phase))
		for name, c := range cs {
			if !strings.HasPrefix(name, "web") && !strings.HasPrefix(name, "worker") {
				continue
			}
			if c.Options == nil || c.Options.DeleteBeforeReplace == nil || *c.Options.DeleteBeforeReplace {
				t.Errorf("phase %d: %s is not replaced create-first: options %+v", phase, name, c.Options)
			}
			// The app's drain_delay (10s) and shutdown_timeout (20s).
			for _, k := range []string{"destroyGraceSeconds", "stopTimeout"} {
				if v, _ := c.Inputs[k].(float64); v < 30 {
					t.Errorf("phase %d: %s %s = %v, want at least the app's 30s drain", phase, name, k, c.Inputs[k])
				}
			}
		}
		for _, lb := range []string{"lb", "lb-secondary"} {
			if _, ok := cs[lb]; !ok {
				continue
			}
			conf := nginxConfig(t, cs[lb])
			for _, want := range []string{
				"resolver 127.0.0.11 valid=1s", " resolve ", "proxy_connect_timeout 250ms;",
				"proxy_next_upstream error timeout http_502 http_503;", "proxy_next_upstream_tries 0;",
			} {
				if !strings.Contains(conf, want) {
					t.Errorf("phase %d: %s's nginx lacks %q:\n%s", phase, lb, want, conf)
				}
			}
		}
	}
}

// localBindAddress widens what the published ports listen on; the URLs the
// stack exports stay ones the host itself reaches.
func TestDockerBindAddressWidens(t *testing.T) {
	cfg := baseConfig(5)
	cfg["target"] = "docker"
	cfg["localBindAddress"] = "0.0.0.0"
	g, err := stackgraph.Run(cfg, "cacheAuthToken")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"lb", "cdn"} {
		ports, _ := containersOf(g)[name].Inputs["ports"].([]any)
		if len(ports) != 1 || ports[0].(map[string]any)["ip"] != "0.0.0.0" {
			t.Errorf("%s publishes %v, want on 0.0.0.0", name, ports)
		}
	}
	seen := 0
	for _, c := range containersOf(g) {
		envs, _ := c.Inputs["envs"].([]any)
		for _, kv := range strs(envs) {
			if strings.HasPrefix(kv, "SCALEZERO_CDN_BASE_URL=") {
				seen++
				if kv != "SCALEZERO_CDN_BASE_URL=http://127.0.0.1:8090" {
					t.Errorf("the app's CDN URL is %s", kv)
				}
			}
		}
	}
	if seen == 0 {
		t.Error("no app container has the CDN's URL")
	}
}
