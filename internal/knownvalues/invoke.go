package knownvalues

import (
	"fmt"
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// MissingInvokeError names an invoke the table lacks.
type MissingInvokeError struct{ Token string }

func (e *MissingInvokeError) Error() string {
	return fmt.Sprintf("known values: no answer for invoke %s; add it to the invokes table in internal/knownvalues/types.go", e.Token)
}

// Invoke answers a data source as the provider in region would: every field
// of the SDK's result struct, with the arguments echoed. getAvailabilityZones
// lists three zones; with emptyLists every list is empty.
func Invoke(token, region string, args resource.PropertyMap, emptyLists bool) (resource.PropertyMap, error) {
	t, ok := invokes[token]
	if !ok {
		return nil, &MissingInvokeError{Token: token}
	}
	if _, ok := elbServiceAccounts[region]; token == "aws:elb/getServiceAccount:getServiceAccount" && !ok {
		// As the provider answers: its table ends with the regions opened
		// before August 2022.
		return nil, fmt.Errorf("invoke %s: unsupported AWS Region: %s", token, region)
	}
	if region == "" && !global[token] {
		return nil, fmt.Errorf("invoke %s without a region: the provider has no region configured", token)
	}
	g := newGen(Request{URN: "invoke::" + token + "::" + region, Type: token, Name: token, Region: region, EmptyLists: emptyLists}, args)
	out := map[string]any{}
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("pulumi")
		if name == "" {
			continue
		}
		if v, ok := g.inputs[name]; ok {
			out[name] = v
			continue
		}
		if f.Type.Kind() == reflect.Pointer {
			continue
		}
		out[name] = g.value(name, f.Type)
	}
	for k, v := range invokeValues(token, g) {
		out[k] = v
	}
	return resource.NewPropertyMapFromMap(out), nil
}

// global are the invokes whose answer does not depend on a region (and
// docker's, which has none).
var global = map[string]bool{
	"aws:index/getCallerIdentity:getCallerIdentity":  true,
	"aws:index/getPartition:getPartition":            true,
	"docker:index/getRegistryImage:getRegistryImage": true,
	"docker:index/getRemoteImage:getRemoteImage":     true,
}

// AnsweredLocally reports whether the AWS provider answers an invoke from
// its own tables, without calling AWS: a region whose APIs fail still gets
// these answered. (Every other data source is an API call in its region:
// zones, AMIs, the caller's identity, registry tokens, random passwords.)
func AnsweredLocally(token string) bool {
	switch token {
	case "aws:elb/getServiceAccount:getServiceAccount", "aws:index/getPartition:getPartition", "aws:index/getRegion:getRegion":
		return true
	}
	return false
}

func invokeValues(token string, g *gen) map[string]any {
	r := g.region()
	list := func(items ...any) []any {
		if g.r.EmptyLists {
			return []any{}
		}
		return items
	}
	switch token {
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		return map[string]any{"id": r, "names": list(r+"a", r+"b", r+"c"),
			"zoneIds":    list(regionCode(r)+"-az1", regionCode(r)+"-az2", regionCode(r)+"-az3"),
			"groupNames": list(r, r, r)}
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return map[string]any{"id": Account, "accountId": Account, "arn": "arn:aws:iam::" + Account + ":user/deployer", "userId": "AIDA" + g.alnum("user", 17, upperAlnum)}
	case "aws:index/getPartition:getPartition":
		return map[string]any{"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}
	case "aws:index/getRegion:getRegion":
		return map[string]any{"id": r, "name": r, "endpoint": "ec2." + r + ".amazonaws.com", "description": r}
	case "aws:ec2/getAmi:getAmi":
		return map[string]any{"id": "ami-" + g.hexOf("ami", 17), "imageId": "ami-" + g.hexOf("ami", 17),
			"name": "al2023-ami-2023.6.20250101.0-kernel-6.1-x86_64", "architecture": "x86_64", "ownerId": "137112412989",
			"arn": fmt.Sprintf("arn:aws:ec2:%s::image/ami-%s", r, g.hexOf("ami", 17))}
	case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
		return map[string]any{"id": r, "userName": "AWS", "password": "known-values-ecr-password",
			"authorizationToken": "QVdTOmtub3duLXZhbHVlcy1lY3ItcGFzc3dvcmQ=",
			"proxyEndpoint":      fmt.Sprintf("https://%s.dkr.ecr.%s.amazonaws.com", Account, r)}
	case "aws:elb/getServiceAccount:getServiceAccount":
		acct := elbServiceAccounts[r] // Invoke refused the regions it lacks
		return map[string]any{"id": acct, "arn": "arn:aws:iam::" + acct + ":root"}
	}
	return nil
}

// elbServiceAccounts is the provider's table of Elastic Load Balancing
// accounts (terraform-provider-aws, elb service_account_data_source.go): the
// regions opened before August 2022, and no other.
var elbServiceAccounts = map[string]string{
	"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980", "us-west-2": "797873946194",
	"af-south-1": "098369216593", "ca-central-1": "985666609251", "eu-central-1": "054676820928", "eu-west-1": "156460612806",
	"eu-west-2": "652711504416", "eu-south-1": "635631232127", "eu-west-3": "009996457667", "eu-north-1": "897822967062",
	"ap-east-1": "754344448648", "ap-northeast-1": "582318560864", "ap-northeast-2": "600734575887", "ap-northeast-3": "383597477331",
	"ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266", "ap-southeast-3": "589379963580", "ap-south-1": "718504428378",
	"me-south-1": "076674570225", "sa-east-1": "507241528517",
	"us-gov-west-1": "048591011584", "us-gov-east-1": "190560391635", "cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
}
