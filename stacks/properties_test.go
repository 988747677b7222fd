package stacks_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/components/boot"
	"github.com/scalezero/scalezero/graph"
)

func TestSingleServer(t *testing.T) {
	forPhases(t, 1, 2, func(t *testing.T, g *graph.Graph) {
		inst := g.OfType(tInstance)[0]
		if inst.Str("metadataOptions.httpTokens") != "required" {
			t.Errorf("IMDSv2 not required: %v", inst.Get("metadataOptions"))
		}
		if inst.Get("associatePublicIpAddress") != false {
			t.Errorf("the server must get its address from the Elastic IP only")
		}
		if inst.Get("rootBlockDevice.encrypted") != true {
			t.Errorf("root volume not encrypted")
		}
		eip := component(t, g, "aws:ec2/eip:Eip", "server")
		if !eip.DependsOn("instance", inst.URN) {
			t.Errorf("the Elastic IP is not attached to the server")
		}
		if !strings.HasPrefix(inst.Str("ami"), "ami-") {
			t.Errorf("AMI %q was not looked up", inst.Str("ami"))
		}
		if inst.Str("iamInstanceProfile") == "" {
			t.Errorf("no instance profile for Session Manager")
		}
		// Only 80 and 443 are open, and to the world only there.
		srv := component(t, g, "scalezero:singleserver:Server", "server")
		ports := map[float64]bool{}
		for _, rule := range under(g, srv, tIngress) {
			ports[rule.Get("fromPort").(float64)] = true
			if rule.Str("cidrIpv4") != "0.0.0.0/0" {
				t.Errorf("unexpected ingress %v", rule.Inputs)
			}
		}
		if len(ports) != 2 || !ports[80] || !ports[443] {
			t.Errorf("server ingress ports %v, want 80 and 443", ports)
		}
		// The host's user data is the same in phases 1 and 2 (EC2 would not
		// run a changed one again); the local database follows a setting.
		script := inst.Str("userData")
		if s1 := component(t, phaseGraph(t, 1), tInstance, "server").Str("userData"); script != s1 {
			t.Errorf("phase %d: the server's user data differs from phase 1's", g.Phase)
		}
		local := false
		for _, p := range g.OfType("aws:ssm/parameter:Parameter") {
			local = local || (strings.HasSuffix(p.Str("name"), "/"+boot.LocalDataKey) && p.Str("insecureValue") == "true")
		}
		if local != (g.Phase == 1) {
			t.Errorf("phase %d: PostgreSQL and Redis on the host = %v", g.Phase, local)
		}
		if !strings.Contains(script, "docker run") || !strings.Contains(script, "get-parameters-by-path") || !strings.Contains(script, "scalezero-apply.timer") {
			t.Errorf("user data does not start the app from its SSM settings and re-apply them")
		}
		if !strings.Contains(script, "--dport 80 -j REDIRECT --to-ports 8080") {
			t.Errorf("port 80, the one the security group opens, does not reach the app")
		}
	})
}

// ingressRules lists every way a graph admits traffic: standalone ingress
// rules, the older SecurityGroupRule of type ingress, and a security group's
// inline ingress blocks; each as (name, from port, to port, IPv4 and IPv6 blocks).
type ingressRule struct {
	name     string
	from, to float64
	cidrs    []string
}

func ingressRules(g *graph.Graph) []ingressRule {
	var out []ingressRule
	num := func(v any) float64 { f, _ := v.(float64); return f }
	for _, r := range g.OfType(tIngress) {
		out = append(out, ingressRule{r.Name, num(r.Get("fromPort")), num(r.Get("toPort")), []string{r.Str("cidrIpv4"), r.Str("cidrIpv6")}})
	}
	for _, r := range g.OfType("aws:ec2/securityGroupRule:SecurityGroupRule") {
		if r.Str("type") == "ingress" {
			out = append(out, ingressRule{r.Name, num(r.Get("fromPort")), num(r.Get("toPort")), append(strs(r.Get("cidrBlocks")), strs(r.Get("ipv6CidrBlocks"))...)})
		}
	}
	for _, sg := range g.OfType("aws:ec2/securityGroup:SecurityGroup") {
		blocks, _ := sg.Get("ingress").([]any)
		for i, b := range blocks {
			m, _ := b.(map[string]any)
			out = append(out, ingressRule{fmt.Sprintf("%s ingress %d", sg.Name, i), num(m["fromPort"]), num(m["toPort"]), append(strs(m["cidrBlocks"]), strs(m["ipv6CidrBlocks"])...)})
		}
	}
	return out
}

func TestNoSSHAnywhere(t *testing.T) {
	forPhases(t, 1, 9, func(t *testing.T, g *graph.Graph) {
		rules := ingressRules(g)
		if len(rules) == 0 {
			t.Fatal("no ingress rule at all: the search reads nothing")
		}
		for _, rule := range rules {
			// from 0 to 0 with protocol -1 is every port.
			if (rule.from <= 22 && 22 <= rule.to) || (rule.from == 0 && rule.to == 0) {
				t.Errorf("%s admits SSH (ports %v-%v)", rule.name, rule.from, rule.to)
			}
			for _, c := range rule.cidrs {
				if (c == "0.0.0.0/0" || c == "::/0") && !(rule.from == rule.to && (rule.from == 80 || rule.from == 443)) {
					t.Errorf("%s opens ports %v-%v to the world (%s)", rule.name, rule.from, rule.to, c)
				}
			}
		}
	})
}

// The search above reads each of the three ways to admit traffic.
func TestIngressRulesReadEveryKind(t *testing.T) {
	g := &graph.Graph{Resources: []graph.Resource{
		{Type: tIngress, Name: "a", Inputs: map[string]any{"fromPort": 22.0, "toPort": 22.0, "cidrIpv4": "0.0.0.0/0"}},
		{Type: "aws:ec2/securityGroupRule:SecurityGroupRule", Name: "b", Inputs: map[string]any{"type": "ingress", "fromPort": 0.0, "toPort": 0.0, "ipv6CidrBlocks": []any{"::/0"}}},
		{Type: "aws:ec2/securityGroup:SecurityGroup", Name: "c", Inputs: map[string]any{"ingress": []any{map[string]any{"fromPort": 20.0, "toPort": 25.0, "cidrBlocks": []any{"10.0.0.0/8"}}}}},
	}}
	got := ingressRules(g)
	if len(got) != 3 || got[1].cidrs[0] != "::/0" || got[2].to != 25 {
		t.Fatalf("%+v", got)
	}
}

func TestWebFleetIsPrivateBehindTheLoadBalancer(t *testing.T) {
	forPhases(t, 3, 9, func(t *testing.T, g *graph.Graph) {
		if n := count(g, tInstance); n != 0 {
			t.Errorf("%d standalone instances remain; the fleet replaces the single server", n)
		}
		for _, lt := range g.OfType(tLT) {
			if v := lt.Get("networkInterfaces.0.associatePublicIpAddress"); v != "false" {
				t.Errorf("%s: associatePublicIpAddress = %v", lt.Name, v)
			}
			if lt.Str("metadataOptions.httpTokens") != "required" {
				t.Errorf("%s: IMDSv2 not required", lt.Name)
			}
			if lt.Get("blockDeviceMappings.0.ebs.encrypted") != "true" {
				t.Errorf("%s: root volume not encrypted", lt.Name)
			}
			raw, err := base64.StdEncoding.DecodeString(lt.Str("userData"))
			if err != nil || !strings.Contains(string(raw), "docker run") {
				t.Errorf("%s: user data is not the app's boot script (%v)", lt.Name, err)
			}
		}
		for _, suffix := range regionSuffixes(g) {
			web := component(t, g, "scalezero:webtier:WebTier", "web"+suffix)
			lbSG := component(t, g, tSG, "web"+suffix+"-lb")
			fleetSG := component(t, g, tSG, "web"+suffix+"-fleet")
			// Every rule of the instances' group admits the load balancer's group, and only it.
			rules := 0
			for _, rule := range g.OfType(tIngress) {
				if !rule.DependsOn("securityGroupId", fleetSG.URN) {
					continue
				}
				rules++
				if !rule.DependsOn("referencedSecurityGroupId", lbSG.URN) || rule.Str("cidrIpv4") != "" {
					t.Errorf("%s admits something other than the load balancer: %v", rule.Name, rule.Inputs)
				}
			}
			if rules != 1 {
				t.Errorf("%s: %d ingress rules on the fleet, want exactly 1 (from the ALB)", web.Name, rules)
			}
			// The ALB spans at least two subnets in distinct zones.
			alb := under(g, web, tALB)[0]
			zones := map[string]bool{}
			for _, u := range alb.PropertyDependencies["subnets"] {
				s, _ := g.ByURN(u)
				zones[s.Str("availabilityZone")] = true
				if !strings.Contains(s.Name, "-public-") {
					t.Errorf("ALB in non-public subnet %s", s.Name)
				}
			}
			if len(zones) < 2 {
				t.Errorf("ALB spans zones %v", zones)
			}
			// The fleet lives in the private app subnets of at least two zones.
			asg := under(g, web, tASG)[0]
			subnets := asg.PropertyDependencies["vpcZoneIdentifiers"]
			if len(subnets) < 2 {
				t.Errorf("ASG in %d subnets", len(subnets))
			}
			for _, u := range subnets {
				if s, _ := g.ByURN(u); s.Type != tSubnet || !strings.Contains(s.Name, "-app-") {
					t.Errorf("ASG in %s, not a private app subnet", u)
				}
			}
			tg := under(g, web, tTargetGroup)[0]
			if tg.Str("healthCheck.path") != "/healthz" {
				t.Errorf("target group health check %v", tg.Get("healthCheck"))
			}
			sticky := tg.Get("stickiness.enabled") == true
			if sticky != (g.Phase <= 5) {
				t.Errorf("phase %d: stickiness %v (on while sessions live in each instance, off once shared)", g.Phase, sticky)
			}
			if asg.Get("instanceRefresh.strategy") != "Rolling" {
				t.Errorf("no rolling instance refresh")
			}
		}
	})
}

func regionSuffixes(g *graph.Graph) []string {
	if count(g, tProvider) == 2 {
		return []string{"", "-secondary"}
	}
	return []string{""}
}

func TestDatabase(t *testing.T) {
	forPhases(t, 2, 9, func(t *testing.T, g *graph.Graph) {
		primaries := 0
		for _, db := range g.OfType(tRDS) {
			if db.Get("publiclyAccessible") != false || db.Get("storageEncrypted") != true {
				t.Errorf("%s: publiclyAccessible %v storageEncrypted %v", db.Name, db.Get("publiclyAccessible"), db.Get("storageEncrypted"))
			}
			if pw, ok := db.Inputs["password"]; ok && pw != graph.Secret {
				t.Errorf("%s: a plain-text password is in the inputs", db.Name)
			}
			if db.Get("applyImmediately") != true {
				t.Errorf("%s: changes wait for the maintenance window", db.Name)
			}
			if db.Inputs["replicateSourceDb"] != nil {
				continue
			}
			primaries++
			// RDS refuses read replicas of a source whose master password it
			// manages in Secrets Manager: every primary may get replicas.
			if db.Get("manageMasterUserPassword") == true || db.Get("password") != graph.Secret {
				t.Errorf("%s: the master password is RDS-managed or not a generated secret", db.Name)
			}
			if v := db.Str("engineVersion"); strings.Contains(v, ".") {
				t.Errorf("%s: engine version %q pins a minor", db.Name, v)
			}
			secret := under(g, component(t, g, "scalezero:database:Database", db.Name), "aws:secretsmanager/secretVersion:SecretVersion")
			if len(secret) != 1 || secret[0].Get("secretString") != graph.Secret || !secret[0].DependsOn("secretString", db.URN) {
				t.Errorf("%s: its credentials are not kept in a secret of the stack's, from the instance's own password", db.Name)
			}
			if days, _ := db.Get("backupRetentionPeriod").(float64); days < 1 {
				t.Errorf("%s: no backups", db.Name)
			}
			if multi := db.Get("multiAz") == true; multi != (g.Phase >= 4) {
				t.Errorf("phase %d: %s multiAz %v (Multi-AZ from phase 4)", g.Phase, db.Name, multi)
			}
		}
		if want := 1 + 2*btoi(g.Phase == 9); primaries != want {
			t.Errorf("%d primaries, want %d", primaries, want)
		}
		// 5432 only from the app's groups, and from phase 7 from the second
		// region's app subnets (a group there cannot be named here).
		for _, rule := range g.OfType(tIngress) {
			if rule.Get("fromPort") != float64(5432) {
				continue
			}
			fromGroup := rule.Str("cidrIpv4") == "" && len(rule.PropertyDependencies["referencedSecurityGroupId"]) == 1
			fromPeer := g.Phase >= 7 && strings.HasPrefix(rule.Str("cidrIpv4"), "10.1.") && strings.Contains(rule.Name, "-from-web-secondary-")
			if !fromGroup && !fromPeer {
				t.Errorf("%s: database ingress neither from a security group nor from the peered region's hosts: %v", rule.Name, rule.Inputs)
			}
		}
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestReplicasFollowThePrimary(t *testing.T) {
	forPhases(t, 4, 9, func(t *testing.T, g *graph.Graph) {
		for _, db := range g.OfType(tRDS) {
			if db.Inputs["replicateSourceDb"] == nil {
				continue
			}
			if !isUnknown(db.Inputs["replicateSourceDb"]) {
				t.Errorf("%s: replicateSourceDb %v should be the primary's identifier, unknown before creation", db.Name, db.Inputs["replicateSourceDb"])
			}
			deps := db.PropertyDependencies["replicateSourceDb"]
			if len(deps) != 1 {
				t.Fatalf("%s: replicateSourceDb depends on %v", db.Name, deps)
			}
			src, _ := g.ByURN(deps[0])
			if src.Type != tRDS || src.Inputs["replicateSourceDb"] != nil {
				t.Errorf("%s replicates %s, which is not a primary", db.Name, src.Name)
			}
			if days, _ := src.Get("backupRetentionPeriod").(float64); days < 1 {
				t.Errorf("%s: its primary %s keeps no backups", db.Name, src.Name)
			}
		}
		// Replicas of one primary are spread over zones.
		zones := map[string]bool{}
		for _, db := range g.OfType(tRDS) {
			if strings.HasPrefix(db.Name, "db-replica-") {
				zones[db.Str("availabilityZone")] = true
			}
		}
		if len(zones) == 0 {
			t.Errorf("no replicas of the main database")
		}
	})
}

func TestSecretsNeverAppearInTheGraph(t *testing.T) {
	forPhases(t, 5, 9, func(t *testing.T, g *graph.Graph) {
		out, err := g.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), testToken) {
			t.Fatal("the cache token is in the graph")
		}
		rg := g.OfType(tReplGroup)[0]
		if rg.Inputs["authToken"] != graph.Secret {
			t.Errorf("authToken = %v, want masked", rg.Inputs["authToken"])
		}
	})
}

// A host's user data is the same in every phase it lives in: what a phase
// changes reaches hosts through their parameters (a fleet rolls on the
// settings digest), and EC2 does not run changed user data on a running
// single server.
func TestUserDataIsTheSameInEveryPhase(t *testing.T) {
	first := map[string]string{} // host -> "phase N: user data"
	seen := map[string]int{}
	for phase := 1; phase <= 9; phase++ {
		g := phaseGraph(t, phase)
		hosts := map[string]string{}
		for _, lt := range g.OfType(tLT) {
			hosts[lt.Name] = lt.Str("userData")
		}
		for _, inst := range g.OfType(tInstance) {
			hosts[inst.Name] = inst.Str("userData")
		}
		for name, data := range hosts {
			if data == "" {
				t.Errorf("phase %d: %s has no user data", phase, name)
				continue
			}
			seen[name]++
			if was, ok := first[name]; !ok {
				first[name] = data
			} else if was != data {
				t.Errorf("phase %d changes %s's user data", phase, name)
			}
		}
	}
	// The single server lives in phases 1-2, the web fleet in 3-9, the second
	// region's in 7-9, the workers in 8-9.
	if seen["server"] != 2 || seen["web-fleet"] != 7 || seen["web-secondary-fleet"] != 3 || seen["worker-fleet"] != 2 {
		t.Fatalf("hosts seen per phase: %v", seen)
	}
}
