package scalezero

import rego.v1

# The chapter's last section: what runs is watched. These rules read which
# resources an alarm's metric depends on (its dimensions name them), which a
# preview always knows.

alarms := resources_of("aws:cloudwatch/metricAlarm:MetricAlarm")

# alarm_reads(a, metric): the alarm reads the metric, directly or in one of
# its metric queries, or may (a value a preview does not know yet).
alarm_reads(a, metric) if a.metricName == metric

alarm_reads(a, _) if unknown(a.metricName)

alarm_reads(a, metric) if {
	some q in object.get(a, "metricQueries", [])
	object.get(object.get(q, "metric", {}), "metricName", "") == metric
}

alarm_reads(a, _) if unknown(object.get(a, "metricQueries", []))

alarm_reads(a, _) if {
	some q in object.get(a, "metricQueries", [])
	m := object.get(q, "metric", {})
	unknown_anywhere(m)
}

unknown_anywhere(v) if unknown(v)

unknown_anywhere(v) if unknown(v.metricName)

# watched(urn, metric): some alarm reads metric with a dimension made from urn.
watched(urn, metric) if {
	some a in alarms
	alarm_reads(a, metric)
	some prop in ["dimensions", "metricQueries"]
	depends_on(a, prop, urn)
}

# METADATA
# title: Every dead-letter queue is watched
# description: A message in a dead-letter queue is a job that failed every attempt; an alarm on its visible messages says so.
# custom:
#   message: Add an alarm on the dead-letter queue's ApproximateNumberOfMessagesVisible (components/observability does).
stack_deny_dlq_unwatched contains msg if {
	some q in resources_of("aws:sqs/queue:Queue")
	is_dead_letter_queue(q)
	not watched(q.__urn, "ApproximateNumberOfMessagesVisible")
	msg := sprintf("dead-letter queue '%s' has no alarm on its visible messages", [q.__name])
}

# METADATA
# title: Every load balancer's 5xx are watched
# description: Errors from the hosts are the first sign a release or a dependency broke the site.
# custom:
#   message: Add an alarm on the load balancer's HTTPCode_Target_5XX_Count (components/observability does).
stack_deny_lb_unwatched contains msg if {
	some lb in resources_of("aws:lb/loadBalancer:LoadBalancer")
	not watched(lb.__urn, "HTTPCode_Target_5XX_Count")
	msg := sprintf("load balancer '%s' has no 5xx alarm", [lb.__name])
}

# METADATA
# title: Every database's storage is watched
# description: An RDS instance that runs out of storage stops accepting writes.
# custom:
#   message: Add an alarm on the instance's FreeStorageSpace (components/observability does).
stack_deny_db_storage_unwatched contains msg if {
	some db in resources_of("aws:rds/instance:Instance")
	not watched(db.__urn, "FreeStorageSpace")
	msg := sprintf("RDS instance '%s' has no free-storage alarm", [db.__name])
}

# METADATA
# title: Every replica's lag is watched
# description: A lagging replica serves stale reads; its lag must raise an alarm.
# custom:
#   message: Add an alarm on the replica's ReplicaLag (components/observability does).
stack_deny_replica_lag_unwatched contains msg if {
	some db in resources_of("aws:rds/instance:Instance")
	has_key(db, "replicateSourceDb")
	not watched(db.__urn, "ReplicaLag")
	msg := sprintf("read replica '%s' has no lag alarm", [db.__name])
}

# METADATA
# title: Every alarm notifies someone
# description: An alarm without an action changes state where nobody looks.
# custom:
#   message: Give the alarm alarmActions (the region's alarm topic).
deny_alarm_without_action contains msg if {
	is_type(input, "aws:cloudwatch/metricAlarm:MetricAlarm")
	actions := object.get(input, "alarmActions", [])
	not unknown(actions)
	count(actions) == 0
	msg := sprintf("alarm '%s' notifies nobody; set alarmActions", [input.__name])
}

# METADATA
# title: Log groups expire their logs
# description: A log group without retention keeps (and bills) every line forever.
# custom:
#   message: Set retentionInDays (logRetentionDays).
deny_log_group_without_retention contains msg if {
	is_type(input, "aws:cloudwatch/logGroup:LogGroup")
	days := object.get(input, "retentionInDays", 0)
	not unknown(days)
	days == 0
	msg := sprintf("log group '%s' keeps its logs forever; set retentionInDays", [input.__name])
}
