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
	input.__type == "aws:cloudwatch/metricAlarm:MetricAlarm"
	p := num(input, "period")
	not valid_period(p)
	msg := sprintf("alarm '%s' has a period of %v s; CloudWatch takes 10, 20, 30 or a multiple of 60", [input.__name, p])
}

deny_alarm_period contains msg if {
	input.__type == "aws:cloudwatch/metricAlarm:MetricAlarm"
	p := num(input, "period")
	n := num(input, "evaluationPeriods")
	p * n > evaluation_limit(p)
	msg := sprintf("alarm '%s' evaluates %v periods of %v s (%v s); CloudWatch allows %v s", [input.__name, n, p, p * n, evaluation_limit(p)])
}

deny_alarm_period contains msg if {
	input.__type == "aws:cloudwatch/metricAlarm:MetricAlarm"
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
	input.__type == "aws:cloudwatch/metricAlarm:MetricAlarm"
	has_key(input, "statistic")
	has_key(input, "extendedStatistic")
	msg := sprintf("alarm '%s' sets both statistic and extendedStatistic", [input.__name])
}

deny_alarm_metric contains msg if {
	input.__type == "aws:cloudwatch/metricAlarm:MetricAlarm"
	has_key(input, "metricName")
	count(object.get(input, "metricQueries", [])) > 0
	msg := sprintf("alarm '%s' sets both metricName and metricQueries", [input.__name])
}

deny_alarm_metric contains msg if {
	input.__type == "aws:cloudwatch/metricAlarm:MetricAlarm"
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
