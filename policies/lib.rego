# METADATA
# title: scalezero
# description: The chapter's principles and the AWS security baseline.
# scope: package
package scalezero

import rego.v1

# Helpers shared by the rules. They are not rules themselves: the analyzer
# only runs rules named deny*, violation*, warn* and stack_*.

# A value a preview does not know yet: Pulumi's wire sentinel, or the shape a
# computed property takes once converted for OPA.
unknown_value := "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

unknown(v) if v == unknown_value

unknown(v) if {
	is_object(v)
	object.keys(v) == {"Element"}
}

# not_true: the key is absent (the provider's default, false for these flags)
# or known and not true. Unknown values never make a rule fire.
not_true(obj, key) if not has_key(obj, key)

not_true(obj, key) if {
	v := obj[key]
	not unknown(v)
	v != true
	v != "true"
}

has_key(obj, key) if _ = obj[key]

is_type(r, t) if r.__type == t

resources_of(t) := [r | some r in input.resources; r.__type == t]

by_urn(urn) := r if {
	some r in input.resources
	r.__urn == urn
}

deps(r, prop) := object.get(object.get(r, "propertyDependencies", {}), prop, [])

depends_on(r, prop, urn) if urn in deps(r, prop)

# Ingress entries, whichever resource declares them: {from, to, all, world}.
ingress(r) := entries if {
	is_type(r, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
	entries := [{
		"from": object.get(r, "fromPort", 0), "to": object.get(r, "toPort", 65535),
		"all": object.get(r, "ipProtocol", "") == "-1",
		"world": world_v4_v6(object.get(r, "cidrIpv4", ""), object.get(r, "cidrIpv6", "")),
	}]
}

ingress(r) := [entry(r)] if {
	is_type(r, "aws:ec2/securityGroupRule:SecurityGroupRule")
	r.type == "ingress"
}

ingress(r) := [entry(rule) | some rule in object.get(r, "ingress", [])] if {
	is_type(r, "aws:ec2/securityGroup:SecurityGroup")
}

entry(rule) := {
	"from": object.get(rule, "fromPort", 0), "to": object.get(rule, "toPort", 65535),
	"all": object.get(rule, "protocol", "") in {"-1", "all"},
	"world": any_world(object.get(rule, "cidrBlocks", []), object.get(rule, "ipv6CidrBlocks", [])),
}

world_v4_v6(v4, v6) if v4 == "0.0.0.0/0"

world_v4_v6(v4, v6) if v6 == "::/0"

world_v4_v6(v4, v6) := false if {
	v4 != "0.0.0.0/0"
	v6 != "::/0"
}

any_world(v4s, v6s) if "0.0.0.0/0" in v4s

any_world(v4s, v6s) if "::/0" in v6s

any_world(v4s, v6s) := false if {
	not "0.0.0.0/0" in v4s
	not "::/0" in v6s
}

covers(e, port) if e.all

covers(e, port) if {
	e.from <= port
	port <= e.to
}

# The security group an ingress-rule resource belongs to (by dependency, as
# its id is unknown in a preview).
rule_group(r) := deps(r, "securityGroupId")

# AZs of a list of subnet URNs.
zones(subnet_urns) := {z |
	some u in subnet_urns
	z := by_urn(u).availabilityZone
}

# Whether every subnet's zone is known (a preview may not know them all).
zones_known(subnet_urns) if {
	every u in subnet_urns {
		not unknown(object.get(by_urn(u), "availabilityZone", unknown_value))
	}
}

is_primary_db(r) if {
	is_type(r, "aws:rds/instance:Instance")
	not has_key(r, "replicateSourceDb")
}
