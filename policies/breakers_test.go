package policies_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// Type tokens the breakers use.
const (
	tVPC      = "aws:ec2/vpc:Vpc"
	tSubnet   = "aws:ec2/subnet:Subnet"
	tIGW      = "aws:ec2/internetGateway:InternetGateway"
	tNAT      = "aws:ec2/natGateway:NatGateway"
	tFlowLog  = "aws:ec2/flowLog:FlowLog"
	tPeering  = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
	tRoute    = "aws:ec2/route:Route"
	tEIP      = "aws:ec2/eip:Eip"
	tRT       = "aws:ec2/routeTable:RouteTable"
	tRTA      = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	tInst     = "aws:ec2/instance:Instance"
	tParam    = "aws:ssm/parameter:Parameter"
	tRole     = "aws:iam/role:Role"
	tRolePol  = "aws:iam/rolePolicy:RolePolicy"
	tAttach   = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tLB       = "aws:lb/loadBalancer:LoadBalancer"
	tTG       = "aws:lb/targetGroup:TargetGroup"
	tListener = "aws:lb/listener:Listener"
	tPolicy   = "aws:autoscaling/policy:Policy"
	tPG       = "aws:rds/parameterGroup:ParameterGroup"
	tDBSubnet = "aws:rds/subnetGroup:SubnetGroup"
	tCachePG  = "aws:elasticache/parameterGroup:ParameterGroup"
	tKMS      = "aws:kms/key:Key"
	tCert     = "aws:acm/certificate:Certificate"
	tCertVal  = "aws:acm/certificateValidation:CertificateValidation"
	tZone     = "aws:route53/zone:Zone"
	tHC       = "aws:route53/healthCheck:HealthCheck"
	tBucket   = "aws:s3/bucketV2:BucketV2"
	tVersion  = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	tObject   = "aws:s3/bucketObjectv2:BucketObjectv2"
	tBPolicy  = "aws:s3/bucketPolicy:BucketPolicy"
	tSSE      = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tOwner    = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	tLifecyc  = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	tRepo     = "aws:ecr/repository:Repository"
	tECRLife  = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
	tCachePol = "aws:cloudfront/cachePolicy:CachePolicy"
	tOAC      = "aws:cloudfront/originAccessControl:OriginAccessControl"
	tRedrive  = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"
	tSecret   = "aws:secretsmanager/secret:Secret"
	tSecretV  = "aws:secretsmanager/secretVersion:SecretVersion"
	tAlarm    = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tDash     = "aws:cloudwatch/dashboard:Dashboard"
	tLogGroup = "aws:cloudwatch/logGroup:LogGroup"
	tTopic    = "aws:sns/topic:Topic"
	tLogSrc   = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
	tLogDel   = "aws:cloudwatch/logDelivery:LogDelivery"
	tDocker   = "docker:index/container:Container"
	tRemote   = "docker:index/remoteImage:RemoteImage"
	tVolume   = "docker:index/volume:Volume"
	tProvider = "pulumi:providers:aws"

	primaryProvider = "urn:pulumi:dev::scalezero::pulumi:providers:aws::primary"
	// withDomain gives the stack a domain (the DNS tier exists only with one).
	withDomain = "domain=app.scalezero.dev"
)

// put sets the value at a dotted path of a resource's inputs ("a.0.b"),
// creating objects on the way.
func put(t *testing.T, r *graph.Resource, path string, v any) {
	t.Helper()
	parts := strings.Split(path, ".")
	var cur any = r.Inputs
	for i, p := range parts {
		last := i == len(parts)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[p] = v
				return
			}
			next, ok := c[p]
			if !ok {
				next = map[string]any{}
				c[p] = next
			}
			cur = next
		case []any:
			idx := 0
			for _, ch := range p {
				idx = idx*10 + int(ch-'0')
			}
			if idx >= len(c) {
				t.Fatalf("%s: %s has no element %d", r.Name, path, idx)
			}
			if last {
				c[idx] = v
				return
			}
			cur = c[idx]
		default:
			t.Fatalf("%s: %s is not an object or array at %q", r.Name, path, p)
		}
	}
}

// unknownAt makes the input at path unknown, as a preview would see it.
func unknownAt(t *testing.T, g *graph.Graph, typ, name, path string) {
	t.Helper()
	put(t, find(t, g, typ, name), path, graph.Unknown)
}

// newResource makes a resource of the primary provider; deps are property
// dependencies, and every one of them is a dependency too.
func newResource(typ, name string, inputs map[string]any, deps map[string][]string) graph.Resource {
	r := graph.Resource{
		URN: "urn:pulumi:dev::scalezero::" + typ + "::" + name, Type: typ, Name: name, Custom: true,
		Provider: primaryProvider, Inputs: inputs, Dependencies: []string{}, PropertyDependencies: map[string][]string{},
	}
	for prop, urns := range deps {
		r.PropertyDependencies[prop] = urns
		r.Dependencies = append(r.Dependencies, urns...)
	}
	return r
}

func add(g *graph.Graph, rs ...graph.Resource) { g.Resources = append(g.Resources, rs...) }

// firstOf returns the first resource of a type (for names the program derives,
// such as asset objects named by their content hash).
func firstOf(t *testing.T, g *graph.Graph, typ string) *graph.Resource {
	t.Helper()
	rs := allOf(g, typ)
	if len(rs) == 0 {
		t.Fatalf("phase %d has no %s", g.Phase, typ)
	}
	return rs[0]
}

// clone copies a resource under a new logical name.
func clone(t *testing.T, g *graph.Graph, typ, name, newName string) *graph.Resource {
	t.Helper()
	raw, _ := json.Marshal(find(t, g, typ, name))
	var r graph.Resource
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	r.Name = newName
	r.URN = strings.TrimSuffix(r.URN, "::"+name) + "::" + newName
	add(g, r)
	return &g.Resources[len(g.Resources)-1]
}

// dependOn adds urn to r's dependencies (and to a property's, when given).
func dependOn(r *graph.Resource, prop, urn string) {
	r.Dependencies = append(r.Dependencies, urn)
	if prop != "" {
		r.PropertyDependencies[prop] = append(r.PropertyDependencies[prop], urn)
	}
}

func dropDeps(r *graph.Resource, prop string) {
	drop := map[string]bool{}
	for _, u := range r.PropertyDependencies[prop] {
		drop[u] = true
	}
	delete(r.PropertyDependencies, prop)
	keep := r.Dependencies[:0]
	for _, u := range r.Dependencies {
		if !drop[u] {
			keep = append(keep, u)
		}
	}
	r.Dependencies = keep
}

// allOf returns pointers to every resource of a type.
func allOf(g *graph.Graph, typ string) []*graph.Resource {
	var out []*graph.Resource
	for i := range g.Resources {
		if g.Resources[i].Type == typ {
			out = append(out, &g.Resources[i])
		}
	}
	return out
}

// Fixes: what today's program gets wrong, repaired before a rule's breaking
// case so that the case shows the rule firing on its own breakage.

// fixManagedPasswords gives every primary a stack-owned password instead of
// an RDS-managed one.
func fixManagedPasswords(_ *testing.T, g *graph.Graph) {
	for _, db := range allOf(g, tRDS) {
		if db.Inputs["manageMasterUserPassword"] == true {
			delete(db.Inputs, "manageMasterUserPassword")
			db.Inputs["password"] = graph.Secret
		}
	}
}

// fixHostOrder makes hosts depend on every parameter, and NAT gateways and
// Elastic IPs on every internet gateway.
func fixHostOrder(_ *testing.T, g *graph.Graph) {
	for _, pair := range [][2]string{{tInst, tParam}, {tLT, tParam}, {tNAT, tIGW}, {tEIP, tIGW}} {
		for _, r := range allOf(g, pair[0]) {
			for _, d := range allOf(g, pair[1]) {
				dependOn(r, "", d.URN)
			}
		}
	}
}

// fixAliases makes every record depend on every other record of the stack.
func fixAliases(_ *testing.T, g *graph.Graph) {
	for _, r := range allOf(g, tRecord) {
		if aliases, _ := r.Inputs["aliases"].([]any); len(aliases) == 0 {
			continue
		}
		for _, d := range allOf(g, tRecord) {
			if d.URN != r.URN {
				dependOn(r, "", d.URN)
			}
		}
	}
}

func fixEngineVersions(_ *testing.T, g *graph.Graph) {
	for _, db := range allOf(g, tRDS) {
		if v, ok := db.Inputs["engineVersion"].(string); ok {
			db.Inputs["engineVersion"], _, _ = strings.Cut(v, ".")
		}
	}
}

func fixDestroy(_ *testing.T, g *graph.Graph) {
	for _, b := range allOf(g, tBucket) {
		b.Inputs["forceDestroy"] = true
	}
	for _, r := range allOf(g, tRepo) {
		r.Inputs["forceDelete"] = true
	}
}

func fixViewerCertificate(_ *testing.T, g *graph.Graph) {
	for _, d := range allOf(g, tDist) {
		vc := d.Inputs["viewerCertificate"].(map[string]any)
		if vc["cloudfrontDefaultCertificate"] == true {
			delete(vc, "minimumProtocolVersion")
		}
	}
}

// fixZones moves a zone (and its records) from under example.com to a
// domain Route 53 accepts.
func fixZones(_ *testing.T, g *graph.Graph) {
	for _, r := range append(allOf(g, tZone), allOf(g, tRecord)...) {
		if n, _ := r.Inputs["name"].(string); strings.HasSuffix(n, ".example.com") {
			r.Inputs["name"] = strings.TrimSuffix(n, ".example.com") + ".dev"
		}
	}
}

func fixAll(t *testing.T, g *graph.Graph) {
	for _, f := range []func(*testing.T, *graph.Graph){fixManagedPasswords, fixHostOrder, fixAliases, fixEngineVersions, fixDestroy, fixViewerCertificate, fixZones} {
		f(t, g)
	}
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }

// addPlainRecord adds a simple A record to the stack's zone.
func addPlainRecord(t *testing.T, g *graph.Graph, name, recordName string) {
	zone := find(t, g, tZone, "zone")
	add(g, newResource(tRecord, name, map[string]any{"name": recordName, "type": "A", "ttl": 60, "records": []any{"192.0.2.1"}, "zoneId": graph.Unknown},
		map[string][]string{"zoneId": {zone.URN}}))
}

// oneSubnet keeps only the first subnet of a resource's subnet list; the
// unknown case hides that subnet's zone.
func oneSubnet(phase int, typ, name, prop, first, want string) breaker {
	return breaker{phase: phase, want: want, fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			r := find(t, g, typ, name)
			r.PropertyDependencies[prop] = r.PropertyDependencies[prop][:1]
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tSubnet, first, "availabilityZone") },
	}
}

// noWaitForGateway takes the network's internet gateway out of the
// dependencies of its public subnets (which wait for it, and so all that is
// placed in them) and of the resources given.
func noWaitForGateway(t *testing.T, g *graph.Graph, network string, also ...*graph.Resource) {
	t.Helper()
	igw := find(t, g, tIGW, network).URN
	for i := range g.Resources {
		if r := &g.Resources[i]; r.Type == tSubnet && strings.HasPrefix(r.Name, network+"-public-") {
			also = append(also, r)
		}
	}
	for _, r := range also {
		r.Dependencies = slices.DeleteFunc(r.Dependencies, func(u string) bool { return u == igw })
	}
}

// withSet plans the broken phase with these settings (key=value).
func (b breaker) withSet(kv ...string) breaker {
	b.set = append(b.set, kv...)
	return b
}

// withUnknown makes another input unknown in the unknown-value case: the one
// the rule decides on besides the broken one.
func (b breaker) withUnknown(typ, name, path string) breaker {
	b.unknown = func(t *testing.T, g *graph.Graph) { unknownAt(t, g, typ, name, path) }
	return b
}

// secret makes the broken input a secret in the unknown-value case, as the
// offline graph shows secrets: a rule never reads the mask as the value.
func (b breaker) secret() breaker {
	at := b.at
	b.unknown = func(t *testing.T, g *graph.Graph) { put(t, find(t, g, at[0], at[1]), at[2], graph.Secret) }
	return b
}

// disabling turns off other rules the breakage trips too.
func (b breaker) disabling(rules ...string) breaker {
	b.disable = rules
	return b
}

// added is the case of a type the program does not declare yet: a resource
// made by hand with a value the rule refuses at path.
func added(phase int, r graph.Resource, path, want string) breaker {
	return breaker{phase: phase, want: want, fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			raw, _ := json.Marshal(r) // a copy per case: unknownAt writes into it
			var cp graph.Resource
			if err := json.Unmarshal(raw, &cp); err != nil {
				t.Fatal(err)
			}
			add(g, cp)
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, r.Type, r.Name, path) },
	}
}

// setting is the common case: one input of one resource set to a value the
// rule refuses, and that input unknown for the unknown-value case.
func setting(phase int, typ, name, path string, v any, want string) breaker {
	return breaker{phase: phase, want: want, fix: fixAll, at: [3]string{typ, name, path},
		apply:   func(t *testing.T, g *graph.Graph) { put(t, find(t, g, typ, name), path, v) },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, typ, name, path) },
	}
}

func find(t *testing.T, g *graph.Graph, typ, name string) *graph.Resource {
	t.Helper()
	for i := range g.Resources {
		if g.Resources[i].Type == typ && g.Resources[i].Name == name {
			return &g.Resources[i]
		}
	}
	t.Fatalf("phase %d has no %s %s", g.Phase, typ, name)
	return nil
}

func drop(g *graph.Graph, typ, name string) {
	out := g.Resources[:0]
	for _, r := range g.Resources {
		if r.Type != typ || r.Name != name {
			out = append(out, r)
		}
	}
	g.Resources = out
}

const (
	tRDS    = "aws:rds/instance:Instance"
	tIngr   = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tLT     = "aws:ec2/launchTemplate:LaunchTemplate"
	tRG     = "aws:elasticache/replicationGroup:ReplicationGroup"
	tDist   = "aws:cloudfront/distribution:Distribution"
	tQueue  = "aws:sqs/queue:Queue"
	tASG    = "aws:autoscaling/group:Group"
	tRecord = "aws:route53/record:Record"
	tSG     = "aws:ec2/securityGroup:SecurityGroup"
	tPAB    = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
)

// breaker breaks one resource of one phase so that one rule fires.
type breaker struct {
	target string   // "aws" (the default) or "docker"
	phase  int      // the phase whose graph is broken
	set    []string // config settings over the stack file's (key=value)
	want   string   // in the message
	// fix repairs, before and after the breakage, what today's program gets
	// wrong for this rule, so that the case shows the rule's own breakage.
	fix   func(t *testing.T, g *graph.Graph)
	apply func(t *testing.T, g *graph.Graph)
	// unknown makes the value the rule decides on unknown, as in a preview:
	// then nothing fires. Preflight rules need it, or structural: why the
	// rule reads only what a preview always knows (dependencies, which
	// properties are set).
	unknown    func(t *testing.T, g *graph.Graph)
	structural string
	// disable turns off other rules the same breakage necessarily trips.
	disable []string
	// at is the type, name and input path a setting breaks.
	at [3]string
}

// cases are the breaking cases of the pack, by the .rego file that defines
// their rules: <service>_test.go holds those of <service>.rego, so that each
// rule's breaking case sits beside it.
var cases = map[string]map[string]breaker{}

// casesOf registers the breaking cases of one .rego file's rules.
func casesOf(file string, m map[string]breaker) bool {
	if _, dup := cases[file]; dup {
		panic(file + " registers its breaking cases twice")
	}
	cases[file] = m
	return true
}
