package scalezero

import rego.v1

# Stack rules read the whole graph. They follow the chapter's principles on the
# graph's structure (what references what), never on a phase number.

lb_groups := {u |
	some lb in resources_of("aws:lb/loadBalancer:LoadBalancer")
	some u in deps(lb, "securityGroups")
}

# Groups of instances that hold an Elastic IP: the single public server of
# the first phases, the one other legitimate internet entry point.
eip_instance_groups := {u |
	some eip in resources_of("aws:ec2/eip:Eip")
	some inst_urn in deps(eip, "instance")
	inst := by_urn(inst_urn)
	some u in deps(inst, "vpcSecurityGroupIds")
}

# Launch-template groups of fleets registered with a target group.
fleet_groups := {u |
	some asg in resources_of("aws:autoscaling/group:Group")
	count(deps(asg, "targetGroupArns")) > 0
	some lt_urn in deps(asg, "launchTemplate")
	lt := by_urn(lt_urn)
	some u in deps(lt, "networkInterfaces")
	by_urn(u).__type == "aws:ec2/securityGroup:SecurityGroup"
}

ingress_rules := [r | some r in input.resources; count(ingress(r)) > 0]

# METADATA
# title: Internet traffic enters through the load balancer
# description: A group open to the internet belongs to a load balancer (or to the single public server of the first phases).
# custom:
#   message: Put the hosts behind the load balancer and admit only its security group.
stack_deny_public_entry contains msg if {
	some r in ingress_rules
	some e in ingress(r)
	e.world
	some g in rule_group(r)
	not g in lb_groups
	not g in eip_instance_groups
	msg := sprintf("'%s' opens %s to the internet, but it is neither a load balancer's nor the public server's group", [r.__name, by_urn(g).__name])
}

# METADATA
# title: The fleet accepts traffic only from the load balancer
# description: Once there is a load balancer, every ingress rule of a fleet's hosts references the load balancer's group.
# custom:
#   message: Replace the rule by one whose referencedSecurityGroupId is the load balancer's group.
stack_deny_fleet_bypass contains msg if {
	some r in ingress_rules
	some g in rule_group(r)
	g in fleet_groups
	not from_lb(r)
	msg := sprintf("'%s' lets traffic reach fleet hosts (%s) other than from the load balancer's group", [r.__name, by_urn(g).__name])
}

from_lb(r) if {
	some src in deps(r, "referencedSecurityGroupId")
	src in lb_groups
	not world_rule(r)
}

world_rule(r) if {
	some e in ingress(r)
	e.world
}

# METADATA
# title: Web fleets are redundant
# description: A fleet behind a load balancer keeps at least two instances in at least two zones.
# custom:
#   message: Set minSize to 2 or more and spread vpcZoneIdentifiers over two zones.
stack_deny_fleet_redundancy contains msg if {
	some asg in resources_of("aws:autoscaling/group:Group")
	count(deps(asg, "targetGroupArns")) > 0
	sizing_known(asg)
	not redundant(asg)
	msg := sprintf("autoscaling group '%s' serves the load balancer with minSize %v over %d zone(s); keep 2+ instances in 2+ zones", [asg.__name, object.get(asg, "minSize", 0), count(zones(deps(asg, "vpcZoneIdentifiers")))])
}

sizing_known(asg) if {
	not unknown(object.get(asg, "minSize", 0))
	zones_known(deps(asg, "vpcZoneIdentifiers"))
}

redundant(asg) if {
	object.get(asg, "minSize", 0) >= 2
	count(zones(deps(asg, "vpcZoneIdentifiers"))) >= 2
}

# METADATA
# title: Other fleets span two zones and two instances
# description: Workers and other fleets should survive the loss of a zone or an instance.
# custom:
#   message: Set minSize to 2 and spread the subnets over two zones.
stack_warn_fleet_redundancy contains msg if {
	some asg in resources_of("aws:autoscaling/group:Group")
	count(deps(asg, "targetGroupArns")) == 0
	sizing_known(asg)
	not redundant(asg)
	msg := sprintf("autoscaling group '%s' has minSize %v over %d zone(s); a lost instance or zone stops it", [asg.__name, object.get(asg, "minSize", 0), count(zones(deps(asg, "vpcZoneIdentifiers")))])
}

# METADATA
# title: A database with replicas is Multi-AZ
# description: Once reads are spread over replicas, the primary keeps a standby in another zone.
# custom:
#   message: Set multiAz to true on the primary.
stack_deny_db_multi_az contains msg if {
	some db in resources_of("aws:rds/instance:Instance")
	is_primary_db(db)
	some replica in resources_of("aws:rds/instance:Instance")
	depends_on(replica, "replicateSourceDb", db.__urn)
	multi_az := object.get(db, "multiAz", false)
	not unknown(multi_az)
	multi_az != true
	msg := sprintf("RDS primary '%s' has replicas (e.g. '%s') but no Multi-AZ standby; set multiAz: true", [db.__name, replica.__name])
}

sessions_shared if {
	some p in resources_of("aws:ssm/parameter:Parameter")
	endswith(object.get(p, "name", ""), "/SCALEZERO_SESSIONS_STORE")
	object.get(p, "insecureValue", "") in {"dynamodb", "redis"}
}

# METADATA
# title: No stickiness once sessions are shared
# description: With sessions in the shared store any instance serves any user; stickiness only unbalances the fleet.
# custom:
#   message: Set the target group's stickiness.enabled to false.
stack_deny_sticky_shared_sessions contains msg if {
	sessions_shared
	some tg in resources_of("aws:lb/targetGroup:TargetGroup")
	object.get(object.get(tg, "stickiness", {}), "enabled", false) == true
	msg := sprintf("target group '%s' is sticky although sessions are shared; set stickiness.enabled: false", [tg.__name])
}

# METADATA
# title: Every queue has a dead-letter queue
# description: A queue that is not itself a dead-letter queue redrives to one.
# custom:
#   message: Give the queue a redrivePolicy whose deadLetterTargetArn is a dead-letter queue.
stack_deny_queue_without_dlq contains msg if {
	some q in resources_of("aws:sqs/queue:Queue")
	not has_redrive(q)
	not is_dead_letter_queue(q)
	msg := sprintf("queue '%s' has no dead-letter queue; add a redrivePolicy", [q.__name])
}

has_redrive(q) if object.get(q, "redrivePolicy", "") != ""

is_dead_letter_queue(q) if {
	some other in resources_of("aws:sqs/queue:Queue")
	depends_on(other, "redrivePolicy", q.__urn)
}

# Geolocation records whose name and location a preview already knows.
geo_records := [r |
	some r in resources_of("aws:route53/record:Record")
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

# METADATA
# title: Buckets are private and encrypted
# description: Every bucket has a full public access block and default encryption.
# custom:
#   message: Use the shared.PrivateBucket helper, or add both resources for the bucket.
stack_deny_bucket_unprotected contains msg if {
	some b in resources_of("aws:s3/bucketV2:BucketV2")
	some kind in ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"]
	not guarded_by(b, kind)
	msg := sprintf("bucket '%s' has no %s", [b.__name, kind])
}

guarded_by(b, kind) if {
	some g in resources_of(kind)
	depends_on(g, "bucket", b.__urn)
}

# The job timeout the hosts read (SCALEZERO_WORKER_JOB_TIMEOUT, a Go duration
# such as "120s"), in seconds, with the queue its region's workers consume
# (SCALEZERO_QUEUE_URL of the same region).
job_timeouts := [[seconds, region] |
	some p in resources_of("aws:ssm/parameter:Parameter")
	endswith(object.get(p, "name", ""), "/SCALEZERO_WORKER_JOB_TIMEOUT")
	v := object.get(p, "insecureValue", "")
	not unknown(v)
	seconds := time.parse_duration_ns(v) / 1000000000
	region := region_of(p)
]

consumed_queues(region) := {u |
	some p in resources_of("aws:ssm/parameter:Parameter")
	endswith(object.get(p, "name", ""), "/SCALEZERO_QUEUE_URL")
	region_of(p) == region
	some u in deps(p, "insecureValue")
}

# METADATA
# title: A queue's visibility timeout covers the worker's job timeout
# description: While a worker runs a job the message must stay hidden; with a visibility timeout shorter than the job timeout SQS hands the message to another worker mid-job (Amazon SQS Developer Guide, "Amazon SQS visibility timeout").
# custom:
#   message: Raise the queue's visibilityTimeoutSeconds to at least the job timeout (or lower queueJobTimeout).
stack_deny_visibility_below_job_timeout contains msg if {
	some t in job_timeouts
	some u in consumed_queues(t[1])
	q := by_urn(u)
	visibility := object.get(q, "visibilityTimeoutSeconds", 30)
	not unknown(visibility)
	visibility < t[0]
	msg := sprintf("queue '%s' hides a message %v s but its workers may run a job %v s", [q.__name, visibility, t[0]])
}

# METADATA
# title: A dead-letter queue keeps messages as long as its source
# description: A message's retention counts from its first enqueue, also in the dead-letter queue; a dead-letter queue that keeps messages less long than its source drops them early (Amazon SQS Developer Guide, "Using dead-letter queues in Amazon SQS").
# custom:
#   message: Set the dead-letter queue's messageRetentionSeconds to at least its source's (14 days is the most).
stack_deny_dead_letter_retention contains msg if {
	some q in resources_of("aws:sqs/queue:Queue")
	some u in deps(q, "redrivePolicy")
	d := by_urn(u)
	d.__type == "aws:sqs/queue:Queue"
	source := object.get(q, "messageRetentionSeconds", 345600)
	kept := object.get(d, "messageRetentionSeconds", 345600)
	not unknown(source)
	not unknown(kept)
	kept < source
	msg := sprintf("dead-letter queue '%s' keeps messages %v s, less than its source '%s' (%v s)", [d.__name, kept, q.__name, source])
}

# METADATA
# title: Every database admits the web hosts of its region
# description: A database in a region with a load-balanced fleet admits that fleet's security group; AWS accepts a database no host may reach, and the hosts told to read from it then send every read elsewhere, or fail.
# custom:
#   message: Add an ingress rule on the database's group that references the fleet's group (port 5432).
stack_deny_database_unreachable contains msg if {
	some db in resources_of("aws:rds/instance:Instance")
	some fg in fleet_groups
	region_of(by_urn(fg)) == region_of(db)
	not admits(db, fg)
	msg := sprintf("database '%s' does not admit the web hosts of its region (%s)", [db.__name, by_urn(fg).__name])
}

admits(db, group) if {
	some sg in deps(db, "vpcSecurityGroupIds")
	some r in resources_of("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
	depends_on(r, "securityGroupId", sg)
	depends_on(r, "referencedSecurityGroupId", group)
}
