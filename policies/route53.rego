package scalezero

import rego.v1

# Amazon Route 53: hosted zones, records, health checks.

record := "aws:route53/record:Record"

zone := "aws:route53/zone:Zone"

# Names as Route 53 compares them: lower case, no trailing dot.
dns_name(n) := trim_suffix(lower(n), ".")

# METADATA
# title: No hosted zone for a top-level domain or example.com
# description: Route 53 creates no public hosted zone for a top-level domain (such as com), and refuses the reserved example.com and names under it (InvalidDomainName; RFC 2606).
# custom:
#   kind: preflight
#   types: [aws:route53/zone:Zone]
#   doc: 'Amazon Route 53 API Reference, "CreateHostedZone" (Name; Errors: InvalidDomainName) (https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html); RFC 2606, "Reserved Top Level DNS Names", section 3'
#   message: Use a domain you own; leave the domain unset until you have one.
deny_route53_reserved_zone contains msg if {
	input.__type == zone
	count(object.get(input, "vpcs", [])) == 0
	n := dns_name(str(props(input), "name"))
	not contains(n, ".")
	msg := sprintf("hosted zone '%s' is for the top-level domain %s; Route 53 creates none", [input.__name, n])
}

deny_route53_reserved_zone contains msg if {
	input.__type == zone
	n := dns_name(str(props(input), "name"))
	reserved_example(n)
	msg := sprintf("hosted zone '%s' is for %s, under the reserved example.com; Route 53 refuses it (InvalidDomainName)", [input.__name, n])
}

reserved_example(n) if n == "example.com"

reserved_example(n) if endswith(n, ".example.com")

routing_keys := ["geolocationRoutingPolicies", "failoverRoutingPolicies", "weightedRoutingPolicies", "latencyRoutingPolicies", "geoproximityRoutingPolicy", "cidrRoutingPolicy", "multivalueAnswerRoutingPolicy"]

routed(r) if {
	some k in routing_keys
	v := r[k]
	known(v)
	not v in [[], false, null]
}

# Whether a preview knows which routing policy a record has.
routing_known(r) if {
	every k in routing_keys {
		known(object.get(r, k, null))
	}
}

# METADATA
# title: Record sets Route 53 accepts
# description: An alias record has no TTL and no values; a record with a routing policy other than simple has a set identifier (1-128 characters), and a simple record has none.
# custom:
#   kind: preflight
#   types: [aws:route53/record:Record]
#   doc: 'Amazon Route 53 API Reference, "ResourceRecordSet" (SetIdentifier, TTL, ResourceRecords, AliasTarget) (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html)'
#   message: Drop ttl and records from alias records; give routed records a setIdentifier.
deny_route53_record_shape contains msg if {
	input.__type == record
	count(object.get(input, "aliases", [])) > 0
	some k in ["ttl", "records"]
	has_key(input, k)
	msg := sprintf("alias record '%s' also sets %s; Route 53 takes an alias or values with a TTL", [input.__name, k])
}

deny_route53_record_shape contains msg if {
	input.__type == record
	routed(input)
	not has_key(input, "setIdentifier")
	msg := sprintf("record '%s' has a routing policy but no setIdentifier", [input.__name])
}

deny_route53_record_shape contains msg if {
	input.__type == record
	has_key(input, "setIdentifier")
	routing_known(input)
	not routed(input)
	msg := sprintf("record '%s' has a setIdentifier but simple routing", [input.__name])
}

deny_route53_record_shape contains msg if {
	input.__type == record
	id := str(input, "setIdentifier")
	not between(count(id), 1, 128)
	msg := sprintf("record '%s' has a %d-character setIdentifier; Route 53 allows 1-128", [input.__name, count(id)])
}

# METADATA
# title: Geolocation records name one location Route 53 knows
# description: A geolocation record names a continent or a country (or * for the default), not both; continents are AF, AN, AS, EU, OC, NA and SA.
# custom:
#   kind: preflight
#   types: [aws:route53/record:Record]
#   doc: 'Amazon Route 53 API Reference, "GeoLocation" (ContinentCode, CountryCode) (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GeoLocation.html)'
#   message: Set exactly one of continent and country per geolocation record.
deny_route53_geolocation contains msg if {
	input.__type == record
	some loc in object.get(input, "geolocationRoutingPolicies", [])
	given := [k | some k in ["continent", "country"]; has_key(loc, k)]
	count(given) != 1
	msg := sprintf("geolocation record '%s' names %v; Route 53 takes a continent or a country", [input.__name, given])
}

deny_route53_geolocation contains msg if {
	input.__type == record
	some loc in object.get(input, "geolocationRoutingPolicies", [])
	c := str(loc, "continent")
	not c in {"AF", "AN", "AS", "EU", "OC", "NA", "SA"}
	msg := sprintf("geolocation record '%s' names continent %s, which Route 53 does not know", [input.__name, c])
}

# The zone of a record: the stack's zone it depends on.
record_zone(r) := z if {
	some u in deps(r, "zoneId")
	z := by_urn(u)
	is_type(z, zone)
}

# METADATA
# title: An alias to a record of the zone waits for that record
# description: Route 53 refuses an alias whose target record does not exist yet (InvalidChangeBatch "... but that target was not found"); an alias to another record of the same hosted zone must be created after it.
# custom:
#   kind: preflight
#   types: [aws:route53/record:Record]
#   doc: 'Amazon Route 53 API Reference, "AliasTarget" (DNSName: another Route 53 record in your hosted zone) (https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html); "ChangeResourceRecordSets" (Errors: InvalidChangeBatch)'
#   message: Make the alias depend on the records it targets (dependsOn, or take its name from their outputs).
stack_deny_alias_before_target contains msg if {
	some r in resources_of(record)
	some a in object.get(r, "aliases", [])
	target := dns_name(str(a, "name"))
	targets := [t |
		some t in resources_of(record)
		t.__urn != r.__urn
		dns_name(str(props(t), "name")) == target
	]
	count(targets) > 0
	some t in targets
	not depends_transitively(r, t.__urn)
	msg := sprintf("alias record '%s' targets %s but does not depend on record '%s'; Route 53 refuses the alias while its target does not exist", [r.__name, target, t.__name])
}

# A record's zone as a comparable key: the zone resource's URN, or its known id.
zone_key(r) := z.__urn if z := record_zone(r)

zone_key(r) := id if {
	not record_zone(r)
	id := str(r, "zoneId")
}

# METADATA
# title: Records of one name and type share their routing
# description: Under one name and type a zone holds either one simple record set or several routed ones, each with its own set identifier; Route 53 refuses a mix (InvalidChangeBatch "cannot be created as other RRSets exist with the same name and type") and a repeated identifier.
# custom:
#   kind: preflight
#   types: [aws:route53/record:Record]
#   doc: 'Amazon Route 53 Developer Guide, "Choosing a routing policy" (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy.html); API Reference, "ChangeResourceRecordSets" (Errors: InvalidChangeBatch)'
#   message: Give every record of a name and type a routing policy and its own setIdentifier, or keep one simple record.
stack_deny_record_set_conflict contains msg if {
	some a in resources_of(record)
	some b in resources_of(record)
	a.__urn < b.__urn
	zone_key(a) == zone_key(b)
	dns_name(str(props(a), "name")) == dns_name(str(props(b), "name"))
	str(props(a), "type") == str(props(b), "type")
	some problem in set_conflict(a, b)
	msg := sprintf("records '%s' and '%s' (%s %s): %s", [a.__name, b.__name, props(a).type, dns_name(props(a).name), problem])
}

set_conflict(a, b) := {p |
	some x in [a, b]
	routing_known(x)
	not routed(x)
	p := "a simple record cannot share its name and type"
} | {p |
	id := str(a, "setIdentifier")
	str(b, "setIdentifier") == id
	p := sprintf("both use setIdentifier %s", [id])
}

# METADATA
# title: Records inside their zone; no CNAME at the apex
# description: A record's name is the hosted zone's name or a name under it, and a CNAME record cannot have the zone's own name.
# custom:
#   kind: preflight
#   types: [aws:route53/record:Record, aws:route53/zone:Zone]
#   doc: 'Amazon Route 53 Developer Guide, "Values that you specify when you create or edit Amazon Route 53 records" (Record name; CNAME records) (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values.html)'
#   message: Name records within the zone; use an alias A record at the apex.
stack_deny_record_outside_zone contains msg if {
	some r in resources_of(record)
	z := record_zone(r)
	zn := dns_name(str(props(z), "name"))
	n := dns_name(str(props(r), "name"))
	n != zn
	not endswith(n, concat("", [".", zn]))
	msg := sprintf("record '%s' (%s) is not within zone '%s' (%s)", [r.__name, n, z.__name, zn])
}

stack_deny_record_outside_zone contains msg if {
	some r in resources_of(record)
	z := record_zone(r)
	str(props(r), "type") == "CNAME"
	dns_name(str(props(r), "name")) == dns_name(str(props(z), "name"))
	msg := sprintf("record '%s' is a CNAME at the apex of zone '%s'; use an alias A record", [r.__name, z.__name])
}

# METADATA
# title: Health checks within Route 53's ranges
# description: A health check is requested every 10 or 30 seconds, fails after 1-10 failures, checks a resource path of at most 255 characters on port 1-65535, and an HTTP, HTTPS or TCP check names an FQDN or IP address.
# custom:
#   kind: preflight
#   types: [aws:route53/healthCheck:HealthCheck]
#   doc: 'Amazon Route 53 API Reference, "HealthCheckConfig" (RequestInterval, FailureThreshold, ResourcePath, Port) (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html)'
#   message: Use a request interval of 10 or 30, a failure threshold within 1-10, a short path and a valid port.
deny_route53_health_check contains msg if {
	input.__type == "aws:route53/healthCheck:HealthCheck"
	i := num(input, "requestInterval")
	not i in {10, 30}
	msg := sprintf("health check '%s' runs every %v s; Route 53 takes 10 or 30", [input.__name, i])
}

deny_route53_health_check contains msg if {
	input.__type == "aws:route53/healthCheck:HealthCheck"
	n := num(input, "failureThreshold")
	not between(n, 1, 10)
	msg := sprintf("health check '%s' fails after %v failures; Route 53 allows 1-10", [input.__name, n])
}

deny_route53_health_check contains msg if {
	input.__type == "aws:route53/healthCheck:HealthCheck"
	p := str(input, "resourcePath")
	count(p) > 255
	msg := sprintf("health check '%s' checks a %d-character path; Route 53 allows 255", [input.__name, count(p)])
}

deny_route53_health_check contains msg if {
	input.__type == "aws:route53/healthCheck:HealthCheck"
	port := num(input, "port")
	not between(port, 1, 65535)
	msg := sprintf("health check '%s' checks port %v", [input.__name, port])
}

deny_route53_health_check contains msg if {
	input.__type == "aws:route53/healthCheck:HealthCheck"
	t := str(props(input), "type")
	t in {"HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP"}
	not has_key(input, "fqdn")
	not has_key(input, "ipAddress")
	msg := sprintf("%s health check '%s' names neither fqdn nor ipAddress", [t, input.__name])
}

# Geolocation records whose name and location a preview already knows.
geo_records := [r |
	some r in resources_of(record)
	count(object.get(r, "geolocationRoutingPolicies", [])) > 0
	not unknown(object.get(r, "name", unknown_value))
	location_known(r.geolocationRoutingPolicies[0])
]

location_known(loc) if {
	every k in ["continent", "country", "subdivision"] {
		not unknown(object.get(loc, k, ""))
	}
}

geo_names := {r.name | some r in geo_records}

is_default_location(r) if r.geolocationRoutingPolicies[0].country == "*"

# METADATA
# title: Geolocation routing has a default
# description: Locations no record names still get an answer.
# custom:
#   message: Add a record with geolocation country "*".
stack_deny_geo_without_default contains msg if {
	some name in geo_names
	not default_for(name)
	msg := sprintf("geolocation records for '%s' have no default (country \"*\") record", [name])
}

default_for(name) if {
	some r in geo_records
	r.name == name
	is_default_location(r)
}

# METADATA
# title: Geolocation records are health-checked
# description: A location's record is skipped when its region is down, so traffic fails over.
# custom:
#   message: Give the record a healthCheckId (or an alias that evaluates target health).
stack_deny_geo_unchecked contains msg if {
	some r in geo_records
	not is_default_location(r)
	object.get(r, "healthCheckId", "") == ""
	msg := sprintf("geolocation record '%s' has no health check; set healthCheckId", [r.__name])
}
