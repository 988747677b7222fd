package knownvalues

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// autoNamed are the types whose auto-named property is not "name".
var autoNamed = map[string]string{
	"aws:s3/bucketV2:BucketV2":                          "bucket",
	"aws:rds/instance:Instance":                         "identifier",
	"aws:elasticache/replicationGroup:ReplicationGroup": "replicationGroupId",
}

// notAutoNamed have a "name" output the provider does not make up: the
// program must give it (a DNS name, an image reference) or AWS sets it.
var notAutoNamed = map[string]bool{
	"aws:route53/zone:Zone":                             true,
	"aws:route53/record:Record":                         true,
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": true,
	"aws:kms/alias:Alias":                               true,
	"docker:index/remoteImage:RemoteImage":              true,
}

// lowerCase are the names AWS takes in lower case only.
var lowerCase = map[string]bool{
	"aws:s3/bucketV2:BucketV2":                          true,
	"aws:rds/instance:Instance":                         true,
	"aws:rds/parameterGroup:ParameterGroup":             true,
	"aws:rds/subnetGroup:SubnetGroup":                   true,
	"aws:elasticache/replicationGroup:ReplicationGroup": true,
	"aws:elasticache/parameterGroup:ParameterGroup":     true,
	"aws:elasticache/subnetGroup:SubnetGroup":           true,
}

// autoNameProperty is the property the provider auto-names for the type, or
// "" when it names nothing.
func autoNameProperty(typ string) string {
	if p, ok := autoNamed[typ]; ok {
		return p
	}
	t, ok := resources[typ]
	if !ok || notAutoNamed[typ] {
		return ""
	}
	for _, f := range outputFields(t) {
		if f.name == "name" {
			return "name"
		}
	}
	return ""
}

// AutoName returns the inputs with the auto-named property filled when the
// program left it out, as Pulumi's providers do in Check: the logical name,
// "-" and 7 hex characters (here derived from the URN, so every run agrees),
// or, where the program gave a prefix (namePrefix, bucketPrefix, ...), the
// prefix and 26 digits, as the Terraform-based providers make them.
func AutoName(typ, urn, name string, inputs resource.PropertyMap) resource.PropertyMap {
	prop := autoNameProperty(typ)
	if prop == "" {
		return inputs
	}
	key := resource.PropertyKey(prop)
	if v, ok := inputs[key]; ok && !v.IsNull() {
		return inputs
	}
	out := inputs.Copy()
	short := shortURN(urn)
	value := name + "-" + hexSeed(short+"|autoname", 7)
	prefixKey := resource.PropertyKey(strings.TrimSuffix(strings.TrimSuffix(prop, "Id"), "Identifier") + "Prefix")
	if p, ok := inputs[prefixKey]; ok && p.IsString() {
		var digitsOnly strings.Builder
		for _, c := range hexSeed(short+"|prefix", 64) {
			if c >= '0' && c <= '9' && digitsOnly.Len() < 26 {
				digitsOnly.WriteRune(c)
			}
		}
		for digitsOnly.Len() < 26 {
			digitsOnly.WriteByte('0')
		}
		value = p.StringValue() + digitsOnly.String()
	}
	if lowerCase[typ] {
		value = strings.ToLower(value)
	}
	if typ == "aws:sqs/queue:Queue" {
		if fifo, ok := inputs["fifoQueue"]; ok && fifo.IsBool() && fifo.BoolValue() {
			value += ".fifo"
		}
	}
	out[key] = resource.NewProperty(value)
	return out
}
