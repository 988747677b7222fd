// Package knownvalues makes the values a provider returns for a resource or
// an invoke: every output the pulumi-aws and pulumi-docker Go SDKs declare for
// the type (read from the resource struct's `pulumi:"..."` fields and their
// element types), with the inputs echoed and everything else made up,
// deterministically, from the URN, the region and the type: ids with the AWS
// prefix of the type, ARNs in AWS's format for the service, endpoints and DNS
// names in the shape AWS gives them, auto-names as Pulumi's providers make
// them. The offline graph's mocks and the test provider the engine runs both
// answer from here, so a value computed from another resource (a policy built
// from ARNs, an endpoint in a setting) is concrete and the same in every run
// and every phase.
package knownvalues

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Account is the AWS account every ARN and owner id names.
const Account = "123456789012"

// Request is one resource as its provider sees it.
type Request struct {
	// URN identifies the resource; only its type chain and name seed the
	// values, so two stacks of the project get the same ones.
	URN    string
	Type   string
	Name   string // the logical name
	Region string // the provider's region; "" for docker
	Inputs resource.PropertyMap
	// Preview leaves every output that is not an input unknown, as a
	// provider does before the resource exists.
	Preview bool
	// EmptyLists returns every list output that is not an input empty, and
	// every list in an invoke's result, as a provider may.
	EmptyLists bool
}

// Known reports whether the table has the type.
func Known(typ string) bool { _, ok := resources[typ]; return ok }

// Types lists the resource types the table has.
func Types() []string {
	out := make([]string, 0, len(resources))
	for t := range resources {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// MissingTypeError names a type the table lacks.
type MissingTypeError struct{ Type string }

func (e *MissingTypeError) Error() string {
	return fmt.Sprintf("known values: no outputs for type %s; add it to the table in internal/knownvalues/types.go", e.Type)
}

// Resource returns the id and the outputs the provider would return.
func Resource(r Request) (string, resource.PropertyMap, error) {
	t, ok := resources[r.Type]
	if !ok {
		return "", nil, &MissingTypeError{Type: r.Type}
	}
	inputs := AutoName(r.Type, r.URN, r.Name, r.Inputs)
	g := newGen(r, inputs)
	outs := resource.PropertyMap{}
	for _, f := range outputFields(t) {
		key := resource.PropertyKey(f.name)
		if v, ok := inputs[key]; ok && !v.IsNull() {
			outs[key] = v
			continue
		}
		if r.Preview {
			outs[key] = resource.MakeComputed(resource.NewProperty(""))
			continue
		}
		if f.optional {
			continue
		}
		outs[key] = resource.NewPropertyValue(g.value(f.name, f.elem))
	}
	id := ""
	if !r.Preview {
		sp := specs[r.Type]
		if sp.more != nil {
			for k, v := range sp.more(g) {
				key := resource.PropertyKey(k)
				if in, ok := inputs[key]; ok && !in.IsNull() {
					continue // the provider echoes what it was given
				}
				if v == nil {
					delete(outs, key)
					continue
				}
				outs[key] = resource.NewPropertyValue(v)
			}
		}
		if arn, ok := outs["arn"]; ok && arn.IsString() && !inputs.HasValue("arn") {
			outs["arn"] = resource.NewProperty(g.arn())
		}
		id = g.id()
	}
	return id, outs, nil
}

// field is one output of a resource struct.
type field struct {
	name     string
	elem     reflect.Type
	optional bool // a pointer element: absent unless given
}

type outputType interface{ ElementType() reflect.Type }

// outputFields reads a resource struct's outputs: each `pulumi:"name"` field
// is an Output whose ElementType is the value's Go type.
func outputFields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("pulumi")
		if name == "" || f.Anonymous {
			continue
		}
		o, ok := reflect.Zero(f.Type).Interface().(outputType)
		if !ok {
			continue
		}
		elem := o.ElementType()
		opt := elem.Kind() == reflect.Pointer
		if opt {
			elem = elem.Elem()
		}
		out = append(out, field{name: name, elem: elem, optional: opt})
	}
	return out
}

// gen makes the values of one resource.
type gen struct {
	r      Request
	short  string         // the URN without stack and project
	inputs map[string]any // plain inputs, secrets unwrapped, unknowns as ""
}

func newGen(r Request, inputs resource.PropertyMap) *gen {
	return &gen{r: r, short: shortURN(r.URN), inputs: plainMap(inputs)}
}

func shortURN(urn string) string {
	if parts := strings.SplitN(urn, "::", 3); len(parts) == 3 {
		return parts[2]
	}
	return urn
}

// hexOf returns n lower-case hex characters seeded by the resource and seed.
func (g *gen) hexOf(seed string, n int) string { return hexSeed(g.short+"|"+seed, n) }

func hexSeed(seed string, n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%d", seed, i)))
		b.WriteString(hex.EncodeToString(sum[:]))
	}
	return b.String()[:n]
}

// alnum returns n characters of an alphabet, seeded.
func (g *gen) alnum(seed string, n int, alphabet string) string {
	h := g.hexOf(seed, 2*n)
	out := make([]byte, n)
	for i := range n {
		var v byte
		fmt.Sscanf(h[2*i:2*i+2], "%02x", &v)
		out[i] = alphabet[int(v)%len(alphabet)]
	}
	return string(out)
}

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	digits     = "0123456789"
)

func (g *gen) uuid(seed string) string {
	h := g.hexOf(seed, 32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// in returns a string input ("" when absent or unknown).
func (g *gen) in(key string) string { s, _ := g.inputs[key].(string); return s }

// inOr returns a string input the id or ARN is made from, or, when the
// program gave none, a value of the generic shape.
func (g *gen) inOr(key string) string {
	if s := g.in(key); s != "" {
		return s
	}
	if strings.HasSuffix(key, "Arn") || key == "secretId" {
		return g.otherARN(strings.TrimSuffix(key, "Arn"), key)
	}
	return g.name()
}

func (g *gen) region() string {
	if g.r.Region == "" {
		return "us-east-1"
	}
	return g.r.Region
}

// name is the resource's name as the provider holds it: the auto-named
// property, or the logical name.
func (g *gen) name() string {
	for _, k := range []string{autoNameProperty(g.r.Type), "name"} {
		if s := g.in(k); s != "" {
			return s
		}
	}
	return g.r.Name
}

func (g *gen) id() string {
	if sp := specs[g.r.Type]; sp.id != nil {
		return sp.id(g)
	}
	return g.name()
}

func (g *gen) arn() string {
	if sp := specs[g.r.Type]; sp.arn != nil {
		return sp.arn(g)
	}
	svc, res := serviceOf(g.r.Type)
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s/%s", svc, g.region(), Account, res, g.id())
}

// serviceOf splits "aws:ec2/launchTemplate:LaunchTemplate" into the ARN
// service ("ec2") and the resource word ("launch-template").
func serviceOf(typ string) (string, string) {
	parts := strings.Split(typ, ":")
	mod := strings.Split(parts[1], "/")[0]
	svc := map[string]string{"lb": "elasticloadbalancing", "cloudwatch": "cloudwatch", "vpc": "ec2"}[mod]
	if svc == "" {
		svc = mod
	}
	return svc, kebab(parts[len(parts)-1])
}

func kebab(s string) string {
	var b strings.Builder
	for i, c := range s {
		if c >= 'A' && c <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

// value makes a value of Go type t for the output at path.
func (g *gen) value(path string, t reflect.Type) any {
	switch t.Kind() {
	case reflect.Pointer:
		return g.value(path, t.Elem())
	case reflect.String:
		return g.str(path)
	case reflect.Bool:
		return false
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Float32, reflect.Float64:
		return g.number(path)
	case reflect.Slice:
		if g.r.EmptyLists {
			return []any{}
		}
		return []any{g.value(path+".0", t.Elem())}
	case reflect.Map:
		if last(path) == "tagsAll" {
			if tags, ok := g.inputs["tags"].(map[string]any); ok {
				return tags
			}
		}
		return map[string]any{}
	case reflect.Struct:
		out := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			name := f.Tag.Get("pulumi")
			if name == "" || f.Type.Kind() == reflect.Pointer {
				continue // nested optional values stay absent
			}
			out[name] = g.value(path+"."+name, f.Type)
		}
		return out
	}
	return nil
}

func last(path string) string { return path[strings.LastIndex(path, ".")+1:] }

func (g *gen) number(path string) float64 {
	p := last(path)
	switch {
	case p == "port" && strings.Contains(g.r.Type, ":rds/"):
		return 5432
	case p == "port" && strings.Contains(g.r.Type, ":elasticache/"):
		return 6379
	case strings.HasSuffix(p, "Version") || p == "version":
		return 1
	}
	return 0
}

// idPrefixes are the AWS id prefixes by the word before "Id" in a property
// name (vpcId, subnetIds, allocationId, ...).
var idPrefixes = map[string]string{
	"vpc": "vpc-", "subnet": "subnet-", "securityGroup": "sg-", "defaultSecurityGroup": "sg-",
	"routeTable": "rtb-", "mainRouteTable": "rtb-", "defaultRouteTable": "rtb-", "defaultNetworkAcl": "acl-",
	"dhcpOptions": "dopt-", "internetGateway": "igw-", "gateway": "igw-", "natGateway": "nat-",
	"allocation": "eipalloc-", "association": "eipassoc-", "instance": "i-", "launchTemplate": "lt-",
	"image": "ami-", "ami": "ami-", "networkInterface": "eni-", "primaryNetworkInterface": "eni-",
	"securityGroupRule": "sgr-", "prefixList": "pl-", "carrierGateway": "cagw-", "transitGateway": "tgw-",
	"volume": "vol-", "snapshot": "snap-", "ipamPool": "ipam-pool-", "networkAcl": "acl-",
}

// str makes a string output from its property name.
func (g *gen) str(path string) string {
	p := last(path)
	lp := strings.ToLower(p)
	switch {
	case p == "arn" || strings.HasSuffix(p, "Arn"):
		if p == "arn" {
			return g.arn()
		}
		return g.otherARN(strings.TrimSuffix(p, "Arn"), path)
	case p == "ownerId" || p == "accountId" || p == "registryId" || p == "ownerAccount":
		return Account
	case p == "region":
		return g.region()
	case p == "availabilityZone":
		return g.region() + "a"
	case strings.HasSuffix(p, "Prefix"):
		return ""
	case p == "status" || p == "state":
		return "available"
	case strings.HasSuffix(p, "Id") || strings.HasSuffix(p, "Ids"):
		word := strings.TrimSuffix(strings.TrimSuffix(p, "s"), "Id")
		if pre, ok := idPrefixes[word]; ok {
			return pre + g.hexOf(path, 17)
		}
		if word == "kmsKey" || word == "masterUserSecretKmsKey" || word == "performanceInsightsKmsKey" {
			return g.kmsKeyARN(path)
		}
		if word == "hostedZone" || word == "zone" {
			return "Z" + g.alnum(path, 20, upperAlnum)
		}
		return g.uuid(path)
	case lp == "cidrblock" || strings.HasSuffix(p, "CidrBlock"):
		return "10.0.0.0/16"
	case strings.HasPrefix(lp, "ipv6"):
		return ""
	case strings.HasSuffix(lp, "ip") || lp == "address" && strings.Contains(g.r.Type, ":ec2/"):
		return g.ip(path, strings.HasPrefix(lp, "public") || strings.HasPrefix(lp, "carrier"))
	case strings.HasSuffix(lp, "dns") || strings.HasSuffix(lp, "dnsname") || strings.HasSuffix(lp, "domainname") ||
		strings.HasSuffix(lp, "address") || strings.HasSuffix(lp, "endpoint") || lp == "fqdn" || lp == "hostname":
		return g.host(path)
	case strings.HasSuffix(lp, "url"):
		return "https://" + g.host(path) + "/"
	case strings.HasSuffix(lp, "date") || strings.HasSuffix(lp, "time") || lp == "createdat" || lp == "expiresat":
		return "2025-01-01T00:00:00Z"
	case lp == "etag" || strings.HasSuffix(lp, "digest") || lp == "checksum":
		return g.hexOf(path, 32)
	}
	return p + "-" + g.hexOf(path, 8)
}

// ip makes an address: public ones from 54.0.0.0/8, private ones from the
// 10.0.0.0/8 block the VPCs are carved from.
func (g *gen) ip(seed string, public bool) string {
	h := g.hexOf("ip|"+seed, 6)
	var a, b, c int
	fmt.Sscanf(h, "%02x%02x%02x", &a, &b, &c)
	if public {
		return fmt.Sprintf("54.%d.%d.%d", a, b, c%254+1)
	}
	return fmt.Sprintf("10.0.%d.%d", b, c%254+1)
}

func (g *gen) host(seed string) string {
	return fmt.Sprintf("%s.%s.%s.amazonaws.com", strings.ToLower(g.name()), g.alnum(seed, 12, lowerAlnum), g.region())
}

func (g *gen) kmsKeyARN(seed string) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", g.region(), Account, g.uuid("kms|"+seed))
}

// otherARN makes the ARN of something a property points at (roleArn,
// secretArn, ...), in its service's format.
func (g *gen) otherARN(what, seed string) string {
	r, a := g.region(), Account
	switch strings.ToLower(what) {
	case "kmskey", "masteruserseckmskey":
		return g.kmsKeyARN(seed)
	case "role", "monitoringrole", "servicerole":
		return fmt.Sprintf("arn:aws:iam::%s:role/%s", a, what+"-"+g.hexOf(seed, 7))
	case "secret":
		return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:rds!db-%s-%s", r, a, g.uuid(seed), g.alnum(seed+"|s", 6, lowerAlnum+upperAlnum[:26]))
	case "certificate":
		return fmt.Sprintf("arn:aws:acm:%s:%s:certificate/%s", r, a, g.uuid(seed))
	case "topic", "notificationtopic":
		return fmt.Sprintf("arn:aws:sns:%s:%s:%s", r, a, what+"-"+g.hexOf(seed, 7))
	case "loadbalancer":
		return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/app/%s/%s", r, a, g.name(), g.hexOf(seed, 16))
	case "targetgroup":
		return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", r, a, g.name(), g.hexOf(seed, 16))
	}
	svc, _ := serviceOf(g.r.Type)
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s/%s", svc, r, a, kebab(what), g.hexOf(seed, 17))
}

// plainMap turns inputs into plain values: secrets unwrapped, unknowns "".
func plainMap(m resource.PropertyMap) map[string]any { return m.MapRepl(nil, plainRepl) }

func plainRepl(v resource.PropertyValue) (any, bool) {
	switch {
	case v.IsSecret():
		return v.SecretValue().Element.MapRepl(nil, plainRepl), true
	case v.IsComputed():
		return "", true
	case v.IsOutput():
		if o := v.OutputValue(); o.Known {
			return o.Element.MapRepl(nil, plainRepl), true
		}
		return "", true
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN), true
	}
	return nil, false
}
