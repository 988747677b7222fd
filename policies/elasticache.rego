package scalezero

import rego.v1

# Amazon ElastiCache: replication groups, parameter and subnet groups.

cache_group := "aws:elasticache/replicationGroup:ReplicationGroup"

# METADATA
# title: ElastiCache failover has the nodes it needs
# description: Automatic failover needs at least two cache clusters (a primary and a replica); Multi-AZ needs automatic failover; a replication group without shards has at most 6 clusters (1 primary and 5 replicas).
# custom:
#   kind: preflight
#   types: [aws:elasticache/replicationGroup:ReplicationGroup]
#   doc: 'Amazon ElastiCache API Reference, "CreateReplicationGroup" (AutomaticFailoverEnabled, MultiAZEnabled, NumCacheClusters) (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html)'
#   message: Set numCacheClusters to 2-6 with automaticFailoverEnabled, and automaticFailoverEnabled wherever multiAzEnabled is on.
deny_elasticache_failover_nodes contains msg if {
	input.__type == cache_group
	flag(input, "automaticFailoverEnabled", false)
	not has_key(input, "numNodeGroups")
	n := object.get(input, "numCacheClusters", 1)
	known(n)
	n < 2
	msg := sprintf("replication group '%s' fails over automatically with %v cache cluster(s); ElastiCache needs two", [input.__name, n])
}

deny_elasticache_failover_nodes contains msg if {
	input.__type == cache_group
	flag(input, "multiAzEnabled", false)
	not flag(input, "automaticFailoverEnabled", false)
	has_flag(input, "automaticFailoverEnabled")
	msg := sprintf("replication group '%s' is Multi-AZ without automatic failover; ElastiCache refuses it", [input.__name])
}

deny_elasticache_failover_nodes contains msg if {
	input.__type == cache_group
	n := num(input, "numCacheClusters")
	n > 6
	msg := sprintf("replication group '%s' asks for %v cache clusters; ElastiCache allows 6 (a primary and 5 replicas)", [input.__name, n])
}

# METADATA
# title: ElastiCache AUTH needs in-transit encryption
# description: An AUTH token can be set only on replication groups with in-transit encryption enabled.
# custom:
#   kind: preflight
#   types: [aws:elasticache/replicationGroup:ReplicationGroup]
#   doc: 'Amazon ElastiCache User Guide, "Authenticating with the Valkey and Redis OSS AUTH command" (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html)'
#   message: Set transitEncryptionEnabled to true where authToken is set.
deny_elasticache_auth_without_tls contains msg if {
	input.__type == cache_group
	has_key(input, "authToken")
	not flag(input, "transitEncryptionEnabled", false)
	has_flag(input, "transitEncryptionEnabled")
	msg := sprintf("replication group '%s' sets an AUTH token without in-transit encryption; ElastiCache refuses it", [input.__name])
}

# METADATA
# title: The ElastiCache AUTH token fits ElastiCache's rules
# description: An AUTH token has 16 to 128 printable characters, and its only non-alphanumeric characters are ! & # $ ^ < > and -. Read only when the value is known (not a secret).
# custom:
#   kind: preflight
#   types: [aws:elasticache/replicationGroup:ReplicationGroup]
#   doc: 'Amazon ElastiCache User Guide, "Authenticating with the Valkey and Redis OSS AUTH command" (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html)'
#   message: Generate the token with 16-128 characters from letters, digits and ! & # $ ^ < > -.
deny_elasticache_auth_token_format contains msg if {
	input.__type == cache_group
	token := str(input, "authToken")
	not regex.match(`^[A-Za-z0-9!&#$^<>-]{16,128}$`, token)
	msg := sprintf("replication group '%s' has an AUTH token ElastiCache refuses (%d characters; 16-128 of letters, digits and ! & # $ ^ < > -)", [input.__name, count(token)])
}

# METADATA
# title: Replication group ids fit ElastiCache's rules
# description: A replication group id has 1 to 40 letters, digits or hyphens, a letter first, no trailing or doubled hyphen; Pulumi's auto-name adds 8 characters to the logical name.
# custom:
#   kind: preflight
#   types: [aws:elasticache/replicationGroup:ReplicationGroup]
#   doc: 'Amazon ElastiCache API Reference, "CreateReplicationGroup" (ReplicationGroupId) (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html)'
#   message: Shorten the logical name to 32 characters or fewer, or set a replicationGroupId that fits.
deny_elasticache_group_id contains msg if {
	input.__type == cache_group
	n := physical_name(input, "replicationGroupId")
	not valid_group_id(n)
	msg := sprintf("replication group '%s' gets the id '%s' (%s, %d characters); ElastiCache allows 1-40 letters, digits and hyphens, a letter first", [input.__name, n, name_origin(input, "replicationGroupId"), count(n)])
}

valid_group_id(n) if {
	count(n) <= 40
	letter_first_identifier(n)
}

# METADATA
# title: ElastiCache parameter and subnet group names fit ElastiCache's rules
# description: A cache parameter group name has up to 255 letters, digits or hyphens, a letter first, no trailing or doubled hyphen; a cache subnet group name up to 255 letters, digits or hyphens. Pulumi's auto-name adds 8 characters.
# custom:
#   kind: preflight
#   types: [aws:elasticache/parameterGroup:ParameterGroup, aws:elasticache/subnetGroup:SubnetGroup]
#   doc: 'Amazon ElastiCache API Reference, "CreateCacheParameterGroup" (CacheParameterGroupName) (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html) and "CreateCacheSubnetGroup" (CacheSubnetGroupName) (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheSubnetGroup.html)'
#   message: Shorten the logical name or set a name that fits.
deny_elasticache_group_names contains msg if {
	input.__type == "aws:elasticache/parameterGroup:ParameterGroup"
	n := physical_name(input, "name")
	not valid_param_group_name(n)
	msg := sprintf("cache parameter group '%s' gets the name '%s' (%s); ElastiCache allows up to 255 letters, digits and hyphens, a letter first", [input.__name, n, name_origin(input, "name")])
}

deny_elasticache_group_names contains msg if {
	input.__type == "aws:elasticache/subnetGroup:SubnetGroup"
	n := physical_name(input, "name")
	not regex.match(`^[a-zA-Z0-9-]{1,255}$`, n)
	msg := sprintf("cache subnet group '%s' gets the name '%s' (%s); ElastiCache allows up to 255 letters, digits and hyphens", [input.__name, n, name_origin(input, "name")])
}

# METADATA
# title: The eviction policy is one ElastiCache knows
# description: The maxmemory-policy parameter takes volatile-lru, allkeys-lru, volatile-lfu, allkeys-lfu, volatile-random, allkeys-random, volatile-ttl or noeviction.
# custom:
#   kind: preflight
#   types: [aws:elasticache/parameterGroup:ParameterGroup]
#   doc: 'Amazon ElastiCache User Guide, "Valkey and Redis OSS parameters" (maxmemory-policy) (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html)'
#   message: Use one of the eight policies ElastiCache lists.
deny_elasticache_maxmemory_policy contains msg if {
	input.__type == "aws:elasticache/parameterGroup:ParameterGroup"
	some p in object.get(input, "parameters", [])
	object.get(p, "name", "") == "maxmemory-policy"
	policy := str(p, "value")
	not policy in {"volatile-lru", "allkeys-lru", "volatile-lfu", "allkeys-lfu", "volatile-random", "allkeys-random", "volatile-ttl", "noeviction"}
	msg := sprintf("cache parameter group '%s' sets maxmemory-policy '%s', which ElastiCache does not know", [input.__name, policy])
}

# METADATA
# title: The cache parameter group's family matches the engine version
# description: A replication group takes only a cache parameter group of its engine's family (redis7 for Redis OSS 7.x, redis6.x for 6.x).
# custom:
#   kind: preflight
#   types: [aws:elasticache/replicationGroup:ReplicationGroup, aws:elasticache/parameterGroup:ParameterGroup]
#   doc: 'Amazon ElastiCache User Guide, "Configuring engine parameters using ElastiCache parameter groups" (parameter group families) (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.html)'
#   message: Make the family match engineVersion (redis7 for 7.1).
stack_deny_cache_parameter_group_family contains msg if {
	some g in resources_of(cache_group)
	some u in deps(g, "parameterGroupName")
	pg := by_urn(u)
	is_type(pg, "aws:elasticache/parameterGroup:ParameterGroup")
	family := str(pg, "family")
	engine := object.get(g, "engine", "redis")
	known(engine)
	version := str(g, "engineVersion")
	not family_fits(family, engine, version)
	msg := sprintf("replication group '%s' runs %s %s but its parameter group '%s' is of family %s", [g.__name, engine, version, pg.__name, family])
}

# METADATA
# title: ElastiCache encrypted at rest and in transit
# description: The cache holds sessions; both encryptions are on.
# custom:
#   message: Set atRestEncryptionEnabled and transitEncryptionEnabled to true.
deny_elasticache_unencrypted contains msg if {
	input.__type == cache_group
	some flag in ["atRestEncryptionEnabled", "transitEncryptionEnabled"]
	not_true(input, flag)
	msg := sprintf("replication group '%s' has %s off; turn it on", [input.__name, flag])
}

# METADATA
# title: ElastiCache fails over automatically
# description: A replica takes over when the primary node fails.
# custom:
#   message: Set automaticFailoverEnabled to true with at least one replica.
deny_elasticache_no_failover contains msg if {
	input.__type == cache_group
	not_true(input, "automaticFailoverEnabled")
	msg := sprintf("replication group '%s' has no automatic failover; set automaticFailoverEnabled: true", [input.__name])
}

# METADATA
# title: ElastiCache requires AUTH
# description: A cache with in-transit encryption also requires a token (or RBAC users) from clients.
# custom:
#   message: Set authToken (a secret) or userGroupIds.
deny_elasticache_no_auth contains msg if {
	input.__type == cache_group
	object.get(input, "authToken", "") == ""
	count(object.get(input, "userGroupIds", [])) == 0
	msg := sprintf("replication group '%s' lets any client in; set authToken or userGroupIds", [input.__name])
}
