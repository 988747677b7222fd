package knownvalues

import (
	"path"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The table's struct for each token is the one the SDK registers under it:
// same package (index is the package's root) and same name.
func TestTableMatchesTheSDK(t *testing.T) {
	for token, typ := range resources {
		parts := strings.Split(token, ":")
		mod := strings.Split(parts[1], "/")[0]
		if mod == "index" {
			mod = parts[0]
		}
		if path.Base(typ.PkgPath()) != mod || typ.Name() != parts[2] {
			t.Errorf("%s maps to %s.%s", token, typ.PkgPath(), typ.Name())
		}
		if len(outputFields(typ)) == 0 {
			t.Errorf("%s: no output fields read from %s", token, typ)
		}
	}
	for token, typ := range invokes {
		parts := strings.Split(token, ":")
		fn := strings.TrimPrefix(parts[2], "get")
		mod := strings.Split(parts[1], "/")[0]
		if mod == "index" {
			mod = parts[0]
		}
		if path.Base(typ.PkgPath()) != mod || (typ.Name() != "Get"+fn+"Result" && typ.Name() != "Lookup"+fn+"Result") {
			t.Errorf("invoke %s maps to %s.%s", token, typ.PkgPath(), typ.Name())
		}
	}
}

func urnOf(typ, name string) string {
	return "urn:pulumi:dev::scalezero::scalezero:c:C$" + typ + "::" + name
}

func known(t *testing.T, typ, name, region string, inputs map[string]any) (string, map[string]any) {
	t.Helper()
	id, outs, err := Resource(Request{URN: urnOf(typ, name), Type: typ, Name: name, Region: region, Inputs: resource.NewPropertyMapFromMap(inputs)})
	if err != nil {
		t.Fatal(err)
	}
	return id, outs.Mappable()
}

var arnFormat = regexp.MustCompile(`^arn:aws:[a-z0-9-]+:([a-z]{2}-[a-z]+-\d)?:(\d{12})?:[^\s]+$`)

// Every type gets an id, every output its SDK declares that is not optional,
// ARNs in AWS's format, and the same values every time.
func TestEveryTypeIsComplete(t *testing.T) {
	for _, typ := range Types() {
		id, outs := known(t, typ, "thing", "eu-west-1", map[string]any{"tags": map[string]any{"project": "scalezero"}})
		if id == "" {
			t.Errorf("%s: empty id", typ)
		}
		for _, f := range outputFields(resources[typ]) {
			if _, ok := outs[f.name]; !ok && !f.optional {
				t.Errorf("%s: no %s", typ, f.name)
			}
		}
		if arn, ok := outs["arn"].(string); ok && strings.HasPrefix(typ, "aws:") && !arnFormat.MatchString(arn) {
			t.Errorf("%s: arn %q", typ, arn)
		}
		if tags, ok := outs["tagsAll"]; ok && !reflect.DeepEqual(tags, map[string]any{"project": "scalezero"}) {
			t.Errorf("%s: tagsAll %v", typ, tags)
		}
		id2, outs2 := known(t, typ, "thing", "eu-west-1", map[string]any{"tags": map[string]any{"project": "scalezero"}})
		if id != id2 || !reflect.DeepEqual(outs, outs2) {
			t.Errorf("%s: two runs differ", typ)
		}
		if id3, _ := known(t, typ, "other", "eu-west-1", nil); id3 == id && !strings.HasPrefix(typ, "aws:s3/bucket") {
			t.Errorf("%s: two resources share the id %q", typ, id)
		}
	}
}

func TestShapes(t *testing.T) {
	cases := []struct {
		typ, region string
		inputs      map[string]any
		want        map[string]*regexp.Regexp // output -> pattern
	}{
		{"aws:ec2/vpc:Vpc", "us-east-1", map[string]any{"cidrBlock": "10.0.0.0/16"}, map[string]*regexp.Regexp{
			"id": regexp.MustCompile(`^vpc-[0-9a-f]{17}$`), "arn": regexp.MustCompile(`^arn:aws:ec2:us-east-1:123456789012:vpc/vpc-[0-9a-f]{17}$`),
			"cidrBlock": regexp.MustCompile(`^10\.0\.0\.0/16$`), "defaultSecurityGroupId": regexp.MustCompile(`^sg-`), "mainRouteTableId": regexp.MustCompile(`^rtb-`)}},
		{"aws:ec2/eip:Eip", "us-east-1", nil, map[string]*regexp.Regexp{
			"id": regexp.MustCompile(`^eipalloc-`), "allocationId": regexp.MustCompile(`^eipalloc-`), "publicIp": regexp.MustCompile(`^54\.\d+\.\d+\.\d+$`)}},
		{"aws:ec2/launchTemplate:LaunchTemplate", "us-east-1", nil, map[string]*regexp.Regexp{"id": regexp.MustCompile(`^lt-`), "name": regexp.MustCompile(`^thing-[0-9a-f]{7}$`)}},
		{"aws:ec2/instance:Instance", "us-east-1", nil, map[string]*regexp.Regexp{"id": regexp.MustCompile(`^i-[0-9a-f]{17}$`)}},
		{"aws:s3/bucketV2:BucketV2", "us-east-1", nil, map[string]*regexp.Regexp{
			"bucket": regexp.MustCompile(`^thing-[0-9a-f]{7}$`), "arn": regexp.MustCompile(`^arn:aws:s3:::thing-[0-9a-f]{7}$`),
			"bucketRegionalDomainName": regexp.MustCompile(`^thing-[0-9a-f]{7}\.s3\.us-east-1\.amazonaws\.com$`)}},
		{"aws:rds/instance:Instance", "us-east-1", map[string]any{"manageMasterUserPassword": true}, map[string]*regexp.Regexp{
			"identifier": regexp.MustCompile(`^thing-[0-9a-f]{7}$`), "arn": regexp.MustCompile(`^arn:aws:rds:us-east-1:123456789012:db:thing-[0-9a-f]{7}$`),
			"endpoint": regexp.MustCompile(`^thing-[0-9a-f]{7}\.[a-z0-9]{12}\.us-east-1\.rds\.amazonaws\.com:5432$`)}},
		{"aws:sqs/queue:Queue", "eu-west-1", nil, map[string]*regexp.Regexp{
			"url": regexp.MustCompile(`^https://sqs\.eu-west-1\.amazonaws\.com/123456789012/thing-[0-9a-f]{7}$`), "arn": regexp.MustCompile(`^arn:aws:sqs:eu-west-1:123456789012:thing-`)}},
		{"aws:lb/loadBalancer:LoadBalancer", "us-east-1", nil, map[string]*regexp.Regexp{
			"dnsName": regexp.MustCompile(`^thing-[0-9a-f]{7}-\d{10}\.us-east-1\.elb\.amazonaws\.com$`), "zoneId": regexp.MustCompile(`^Z35SXDOTRQ7X7K$`),
			"arn": regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/thing-[0-9a-f]{7}/[0-9a-f]{16}$`)}},
		{"aws:iam/role:Role", "us-east-1", nil, map[string]*regexp.Regexp{"arn": regexp.MustCompile(`^arn:aws:iam::123456789012:role/thing-[0-9a-f]{7}$`)}},
		{"aws:elasticache/replicationGroup:ReplicationGroup", "eu-west-1", nil, map[string]*regexp.Regexp{
			"replicationGroupId": regexp.MustCompile(`^thing-[0-9a-f]{7}$`), "primaryEndpointAddress": regexp.MustCompile(`^master\.thing-[0-9a-f]{7}\.[a-z0-9]{6}\.euw1\.cache\.amazonaws\.com$`)}},
		{"aws:route53/zone:Zone", "us-east-1", map[string]any{"name": "shop.scalezero-demo.com"}, map[string]*regexp.Regexp{
			"zoneId": regexp.MustCompile(`^Z[A-Z0-9]{20}$`), "name": regexp.MustCompile(`^shop\.scalezero-demo\.com$`)}},
		{"aws:cloudfront/distribution:Distribution", "us-east-1", nil, map[string]*regexp.Regexp{
			"domainName": regexp.MustCompile(`^d[a-z0-9]{13}\.cloudfront\.net$`), "arn": regexp.MustCompile(`^arn:aws:cloudfront::123456789012:distribution/E[A-Z0-9]{13}$`)}},
		{"docker:index/container:Container", "", nil, map[string]*regexp.Regexp{"id": regexp.MustCompile(`^[0-9a-f]{64}$`), "name": regexp.MustCompile(`^thing-[0-9a-f]{7}$`)}},
	}
	for _, c := range cases {
		id, outs := known(t, c.typ, "thing", c.region, c.inputs)
		outs["id"] = id
		for k, re := range c.want {
			if s, _ := outs[k].(string); !re.MatchString(s) {
				t.Errorf("%s %s = %q, want %s", c.typ, k, s, re)
			}
		}
	}
	_, rds := known(t, "aws:rds/instance:Instance", "thing", "us-east-1", map[string]any{"manageMasterUserPassword": true})
	if secrets, _ := rds["masterUserSecrets"].([]any); len(secrets) != 1 {
		t.Errorf("a managed master password has one secret: %v", rds["masterUserSecrets"])
	}
	_, zone := known(t, "aws:route53/zone:Zone", "thing", "us-east-1", map[string]any{"name": "shop.scalezero-demo.com"})
	if ns, _ := zone["nameServers"].([]any); len(ns) != 4 {
		t.Errorf("a zone has four name servers: %v", zone["nameServers"])
	}
}

func TestAutoName(t *testing.T) {
	urn := urnOf("aws:s3/bucketV2:BucketV2", "CDN")
	got := AutoName("aws:s3/bucketV2:BucketV2", urn, "CDN", resource.PropertyMap{})["bucket"].StringValue()
	if !regexp.MustCompile(`^cdn-[0-9a-f]{7}$`).MatchString(got) {
		t.Errorf("bucket auto-name %q: the logical name lower-cased, - and 7 hex", got)
	}
	given := resource.NewPropertyMapFromMap(map[string]any{"bucket": "mine"})
	if AutoName("aws:s3/bucketV2:BucketV2", urn, "CDN", given)["bucket"].StringValue() != "mine" {
		t.Error("a given name is kept")
	}
	prefixed := resource.NewPropertyMapFromMap(map[string]any{"namePrefix": "web-"})
	if n := AutoName("aws:ec2/launchTemplate:LaunchTemplate", urn, "web", prefixed)["name"].StringValue(); !regexp.MustCompile(`^web-\d{26}$`).MatchString(n) {
		t.Errorf("name from a prefix: %q", n)
	}
	if _, ok := AutoName("aws:route53/record:Record", urn, "site", resource.PropertyMap{})["name"]; ok {
		t.Error("a record's name is the program's to give")
	}
}

func TestEmptyListsMode(t *testing.T) {
	_, outs, err := Resource(Request{URN: urnOf("aws:rds/instance:Instance", "db"), Type: "aws:rds/instance:Instance", Name: "db", Region: "us-east-1",
		Inputs: resource.NewPropertyMapFromMap(map[string]any{"manageMasterUserPassword": true, "vpcSecurityGroupIds": []any{"sg-1"}}), EmptyLists: true})
	if err != nil {
		t.Fatal(err)
	}
	m := outs.Mappable()
	if l, _ := m["masterUserSecrets"].([]any); len(l) != 0 {
		t.Errorf("masterUserSecrets %v", m["masterUserSecrets"])
	}
	if l, _ := m["vpcSecurityGroupIds"].([]any); len(l) != 1 {
		t.Errorf("an input list is echoed: %v", m["vpcSecurityGroupIds"])
	}
	zones, err := Invoke("aws:index/getAvailabilityZones:getAvailabilityZones", "us-east-1", resource.PropertyMap{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if n := zones["names"].ArrayValue(); len(n) != 0 {
		t.Errorf("zones %v", n)
	}
}

func TestInvokes(t *testing.T) {
	zones, err := Invoke("aws:index/getAvailabilityZones:getAvailabilityZones", "eu-west-1", resource.PropertyMap{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := zones.Mappable()["names"]; !reflect.DeepEqual(got, []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}) {
		t.Errorf("zones %v", got)
	}
	if _, err := Invoke("aws:index/getAvailabilityZones:getAvailabilityZones", "", resource.PropertyMap{}, false); err == nil {
		t.Error("an invoke without a region is an error")
	}
	if _, err := Invoke("aws:nope/getNope:getNope", "us-east-1", resource.PropertyMap{}, false); err == nil || !strings.Contains(err.Error(), "types.go") {
		t.Errorf("a missing invoke says where to add it: %v", err)
	}
	if _, _, err := Resource(Request{Type: "aws:nope/nope:Nope"}); err == nil || !strings.Contains(err.Error(), "types.go") {
		t.Errorf("a missing type says where to add it: %v", err)
	}
}
