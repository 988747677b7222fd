package scalezero

import rego.v1

# Amazon CloudWatch: alarms, dashboards, log groups, log deliveries, and what runs is watched.

alarm := "aws:cloudwatch/metricAlarm:MetricAlarm"

# METADATA
# title: Alarm periods CloudWatch accepts
# description: An alarm's period is 10, 20, 30 or a multiple of 60 seconds; period times evaluation periods is at most 7 days, and at most 1 day for periods under an hour; datapointsToAlarm is at most evaluationPeriods.
# custom:
#   kind: preflight
#   types: [aws:cloudwatch/metricAlarm:MetricAlarm]
#   doc: 'Amazon CloudWatch API Reference, "PutMetricAlarm" (Period, EvaluationPeriods, DatapointsToAlarm) (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)'
#   message: Use a period of 10, 20, 30 or n*60 s and keep period x evaluationPeriods within a day.
deny_alarm_period contains msg if {
	input.__type == alarm
	p := num(input, "period")
	not valid_period(p)
	msg := sprintf("alarm '%s' has a period of %v s; CloudWatch takes 10, 20, 30 or a multiple of 60", [input.__name, p])
}

deny_alarm_period contains msg if {
	input.__type == alarm
	p := num(input, "period")
	n := num(input, "evaluationPeriods")
	p * n > evaluation_limit(p)
	msg := sprintf("alarm '%s' evaluates %v periods of %v s (%v s); CloudWatch allows %v s", [input.__name, n, p, p * n, evaluation_limit(p)])
}

deny_alarm_period contains msg if {
	input.__type == alarm
	m := num(input, "datapointsToAlarm")
	n := num(input, "evaluationPeriods")
	m > n
	msg := sprintf("alarm '%s' needs %v breaching datapoints out of %v evaluation periods", [input.__name, m, n])
}

valid_period(p) if p in {10, 20, 30}

valid_period(p) if {
	p > 0
	p % 60 == 0
}

evaluation_limit(p) := 86400 if p < 3600

evaluation_limit(p) := 604800 if p >= 3600

# METADATA
# title: Alarms name their metric one way
# description: An alarm uses a statistic or an extended statistic, not both, and either a single metric (metricName) or metric queries (metrics), not both; each state has at most 5 actions.
# custom:
#   kind: preflight
#   types: [aws:cloudwatch/metricAlarm:MetricAlarm]
#   doc: 'Amazon CloudWatch API Reference, "PutMetricAlarm" (Statistic, ExtendedStatistic, Metrics, AlarmActions) (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)'
#   message: Keep one way of naming the metric and at most 5 actions per state.
deny_alarm_metric contains msg if {
	input.__type == alarm
	has_key(input, "statistic")
	has_key(input, "extendedStatistic")
	msg := sprintf("alarm '%s' sets both statistic and extendedStatistic", [input.__name])
}

deny_alarm_metric contains msg if {
	input.__type == alarm
	has_key(input, "metricName")
	count(object.get(input, "metricQueries", [])) > 0
	msg := sprintf("alarm '%s' sets both metricName and metricQueries", [input.__name])
}

deny_alarm_metric contains msg if {
	input.__type == alarm
	some key in ["alarmActions", "okActions", "insufficientDataActions"]
	actions := object.get(input, key, [])
	is_array(actions)
	count(actions) > 5
	msg := sprintf("alarm '%s' has %d %s; CloudWatch allows 5", [input.__name, count(actions), key])
}

# METADATA
# title: A log delivery waits for its source and destination
# description: CreateDelivery pairs exactly one existing delivery source with one existing delivery destination; a delivery that names a source or destination of the stack must be created after them.
# custom:
#   kind: preflight
#   types: [aws:cloudwatch/logDelivery:LogDelivery, aws:cloudwatch/logDeliverySource:LogDeliverySource, aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination]
#   doc: 'Amazon CloudWatch Logs API Reference, "CreateDelivery" and "PutDeliverySource" (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateDelivery.html)'
#   message: Take deliverySourceName and deliveryDestinationArn from the source's and destination's outputs.
stack_deny_log_delivery_order contains msg if {
	some d in resources_of("aws:cloudwatch/logDelivery:LogDelivery")
	name := str(props(d), "deliverySourceName")
	some src in resources_of("aws:cloudwatch/logDeliverySource:LogDeliverySource")
	physical_name(src, "name") == name
	not depends_transitively(d, src.__urn)
	msg := sprintf("log delivery '%s' names delivery source %s ('%s') without depending on it", [d.__name, name, src.__name])
}

stack_deny_log_delivery_order contains msg if {
	some d in resources_of("aws:cloudwatch/logDelivery:LogDelivery")
	arn := str(props(d), "deliveryDestinationArn")
	some dest in resources_of("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination")
	endswith(arn, concat(":", ["", "delivery-destination", physical_name(dest, "name")]))
	not depends_transitively(d, dest.__urn)
	msg := sprintf("log delivery '%s' names delivery destination %s ('%s') without depending on it", [d.__name, arn, dest.__name])
}

# METADATA
# title: Dashboards CloudWatch accepts
# description: A dashboard's name has up to 255 letters, digits, - and _; its body is JSON whose widgets sit on the 24-column grid (x 0-23, width 1-24, height 1-1000).
# custom:
#   kind: preflight
#   types: [aws:cloudwatch/dashboard:Dashboard]
#   doc: 'Amazon CloudWatch API Reference, "PutDashboard" (DashboardName) (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html) and "Dashboard body structure and syntax" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html)'
#   message: Name the dashboard with letters, digits, - and _, and keep widgets on the grid.
deny_dashboard contains msg if {
	input.__type == "aws:cloudwatch/dashboard:Dashboard"
	n := str(input, "dashboardName")
	not regex.match(`^[A-Za-z0-9_-]{1,255}$`, n)
	msg := sprintf("dashboard '%s' is named '%s'; CloudWatch allows 255 letters, digits, - and _", [input.__name, n])
}

deny_dashboard contains msg if {
	input.__type == "aws:cloudwatch/dashboard:Dashboard"
	body := str(input, "dashboardBody")
	not json.is_valid(body)
	msg := sprintf("dashboard '%s' has a body that is not JSON", [input.__name])
}

deny_dashboard contains msg if {
	input.__type == "aws:cloudwatch/dashboard:Dashboard"
	body := json.unmarshal(str(input, "dashboardBody"))
	some i, w in object.get(body, "widgets", [])
	some key, r in {"x": [0, 23], "width": [1, 24], "height": [1, 1000]}
	v := w[key]
	not between(v, r[0], r[1])
	msg := sprintf("dashboard '%s': widget %d has %s %v; CloudWatch allows %v-%v", [input.__name, i, key, v, r[0], r[1]])
}

# METADATA
# title: Log groups CloudWatch Logs accepts
# description: A log group's retention is one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 days (0 keeps logs forever); its name has up to 512 of letters, digits and . - _ / #.
# custom:
#   kind: preflight
#   types: [aws:cloudwatch/logGroup:LogGroup]
#   doc: 'Amazon CloudWatch Logs API Reference, "PutRetentionPolicy" (retentionInDays) (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html) and "CreateLogGroup" (logGroupName) (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html)'
#   message: Pick a retention from the allowed list.
deny_log_group contains msg if {
	input.__type == "aws:cloudwatch/logGroup:LogGroup"
	days := num(input, "retentionInDays")
	days != 0
	not days in {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
	msg := sprintf("log group '%s' keeps logs %v days, not a retention CloudWatch Logs offers", [input.__name, days])
}

deny_log_group contains msg if {
	input.__type == "aws:cloudwatch/logGroup:LogGroup"
	n := physical_name(input, "name")
	not regex.match(`^[.\-_/#A-Za-z0-9]{1,512}$`, n)
	msg := sprintf("log group '%s' gets the name '%s' (%s); CloudWatch Logs allows 512 of letters, digits and . - _ / #", [input.__name, n, name_origin(input, "name")])
}

# The chapter's last section: what runs is watched. These rules read which
# resources an alarm's metric depends on (its dimensions name them), which a
# preview always knows.

alarms := resources_of(alarm)

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
	some q in resources_of(queue)
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
	some db in resources_of(rds)
	not watched(db.__urn, "FreeStorageSpace")
	msg := sprintf("RDS instance '%s' has no free-storage alarm", [db.__name])
}

# METADATA
# title: Every replica's lag is watched
# description: A lagging replica serves stale reads; its lag must raise an alarm.
# custom:
#   message: Add an alarm on the replica's ReplicaLag (components/observability does).
stack_deny_replica_lag_unwatched contains msg if {
	some db in resources_of(rds)
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
	is_type(input, alarm)
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
