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

# Resources by URN, looked up once per evaluation.
resources_by_urn := {r.__urn: r | some r in input.resources}

by_urn(urn) := resources_by_urn[urn]

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
	is_type(r, rds)
	not has_key(r, "replicateSourceDb")
}

# ---- Helpers of the preflight rules (METADATA custom.kind: preflight) ----

# The offline graph masks secrets as this string; a preflight rule never reads
# a masked value as if it were the secret itself.
secret_mask := "[secret]"

# known(v): a preview knows v (neither unknown nor a masked secret).
known(v) if {
	not unknown(v)
	v != secret_mask
}

# num(obj, key): the known number at key (numbers come as strings in a few
# schemas, launch templates' "20" for one). Undefined when absent or unknown.
num(obj, key) := n if {
	v := obj[key]
	known(v)
	is_number(v)
	n := v
}

num(obj, key) := n if {
	v := obj[key]
	known(v)
	is_string(v)
	n := to_number(v)
}

# str(obj, key): the known string at key.
str(obj, key) := s if {
	s := obj[key]
	is_string(s)
	known(s)
}

# flag(obj, key, default): the known boolean at key, or the default when absent.
flag(obj, key, default_value) := default_value if not has_key(obj, key)

flag(obj, key, _) := b if {
	v := obj[key]
	known(v)
	b := v in {true, "true"}
}

# bytes(s): the UTF-8 length of a string, as AWS counts sizes.
bytes(s) := count(hex.encode(s)) / 2

# The length of the data a base64 text encodes.
base64_bytes(s) := ((count(s) / 4) * 3) - (count(s) - count(trim_right(s, "=")))

# Pulumi's AWS and Docker providers auto-name a resource whose name property
# is not set: the logical name, "-" and 7 random hexadecimal characters
# (https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming).
autoname_suffix := "-0a1b2c3"

# props(r): a resource's own properties. The analyzer also puts them at the
# top level, next to its own name, type and urn of the resource: a resource
# without a name property has the logical name at input.name. Read name and
# type properties here.
props(r) := object.get(r, "__properties", {})

# physical_name(r, prop): the name AWS gets, explicit or auto-named; undefined
# while the explicit name is unknown or a name prefix is set.
physical_name(r, prop) := n if n := str(props(r), prop)

physical_name(r, prop) := concat("", [r.__name, autoname_suffix]) if {
	not has_key(props(r), prop)
	not has_key(props(r), concat("", [prop, "Prefix"]))
}

# How a message names an auto-name.
name_origin(r, prop) := "explicit" if has_key(props(r), prop)

name_origin(r, prop) := "auto-named from the logical name" if not has_key(props(r), prop)

# AWS's most common identifier rule (RDS, ElastiCache): letters, digits and
# hyphens, a letter first, no trailing or doubled hyphen.
letter_first_identifier(n) if {
	regex.match(`^[a-zA-Z][a-zA-Z0-9-]*$`, n)
	not endswith(n, "-")
	not contains(n, "--")
}

# The region of a resource's provider, in a stack rule.
region_of(r) := region if {
	p := by_urn(r.__provider.urn)
	region := str(p, "region")
}

# The region named in an ARN (arn:partition:service:region:account:resource).
arn_region(arn) := parts[3] if {
	is_string(arn)
	known(arn)
	startswith(arn, "arn:")
	parts := split(arn, ":")
	count(parts) > 4
}

# Every resource a resource depends on, directly or through others.
dependency_edges := {r.__urn: object.get(r, "dependencies", []) | some r in input.resources}

# What each resource reaches, computed once per resource and evaluation.
reachable_from[u] := graph.reachable(dependency_edges, {u}) if some u, _ in dependency_edges

depends_transitively(r, urn) if urn in reachable_from[r.__urn]

# The resources of a type whose given property was computed from r.
referrers(r, t, prop) := [x | some x in resources_of(t); depends_on(x, prop, r.__urn)]

# ---- Helpers that the rules of several services share ----

# has_flag: the boolean is known (or absent, the provider's default).
has_flag(obj, key) if not has_key(obj, key)

has_flag(obj, key) if known(obj[key])

# A parameter group family (postgres16, mysql8.0, redis7, redis6.x) fits an
# engine and version when it names that engine and the version's major.
family_fits(family, engine, version) if {
	startswith(family, engine)
	major := trim_suffix(substring(family, count(engine), -1), ".x")
	major_prefix(major, version)
}

major_prefix(major, version) if version == major

major_prefix(major, version) if startswith(version, concat("", [major, "."]))

between(x, lo, hi) if {
	lo <= x
	x <= hi
}

valid_param_group_name(n) if {
	count(n) <= 255
	letter_first_identifier(n)
}

# A name as checked where the provider lower-cases auto-names (S3 buckets,
# ECR repositories); an explicit name is taken as given.
auto_lower(r, prop, n) := n if has_key(props(r), prop)

auto_lower(r, prop, n) := lower(n) if not has_key(props(r), prop)

# The name of a queue or topic: explicit, or auto-named with .fifo for FIFO.
fifo_name(r, _) := n if n := str(props(r), "name")

fifo_name(r, fifo) := n if {
	not has_key(props(r), "name")
	not has_key(props(r), "namePrefix")
	n := concat("", [r.__name, autoname_suffix, fifo_suffix(fifo)])
}

fifo_suffix(true) := ".fifo"

fifo_suffix(false) := ""

as_array(x) := x if is_array(x)

as_array(x) := [x] if not is_array(x)
