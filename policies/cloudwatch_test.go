package policies_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// The breaking cases of cloudwatch.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("cloudwatch.rego", map[string]breaker{
	"stack_deny_log_delivery_order": {phase: 5, want: "log delivery 'cdn' names delivery source cdn-access ('cdn') without depending on it", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tLogSrc, "cdn").Inputs["name"] = "cdn-access"
			d := find(t, g, tLogDel, "cdn")
			d.Inputs["deliverySourceName"] = "cdn-access"
			dropDeps(d, "deliverySourceName")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tLogDel, "cdn", "deliverySourceName") }},
	"deny_alarm_period": added(8, newResource(tAlarm, "jobs-backlog", map[string]any{"period": 45, "evaluationPeriods": 2, "metricName": "ApproximateNumberOfMessagesVisible", "statistic": "Sum"}, nil), "period", "has a period of 45 s").disabling("deny_alarm_without_action"),
	"deny_alarm_metric": added(8, newResource(tAlarm, "jobs-backlog", map[string]any{"period": 60, "evaluationPeriods": 2, "metricName": "ApproximateNumberOfMessagesVisible", "statistic": "Sum",
		"alarmActions": []any{"a1", "a2", "a3", "a4", "a5", "a6"}}, nil), "alarmActions", "has 6 alarmActions; CloudWatch allows 5"),
	"deny_dashboard": added(8, newResource(tDash, "ops", map[string]any{"dashboardName": "scalezero-dev", "dashboardBody": `{"widgets":[{"type":"text","x":0,"y":0,"width":30,"height":2,"properties":{"markdown":"hi"}}]}`}, nil), "dashboardBody", "widget 0 has width 30"),
	"deny_log_group": added(8, newResource(tLogGroup, "app", map[string]any{"retentionInDays": 2}, nil), "retentionInDays", "keeps logs 2 days"),
	"stack_deny_dlq_unwatched": {phase: 8, want: "dead-letter queue 'jobs-dlq' has no alarm", apply: func(t *testing.T, g *graph.Graph) {
		drop(g, tAlarm, "jobs-dlq")
	}},
	"stack_deny_lb_unwatched": {phase: 3, want: "load balancer 'web' has no 5xx alarm", apply: func(t *testing.T, g *graph.Graph) {
		drop(g, tAlarm, "web-5xx")
	}},
	"stack_deny_db_storage_unwatched": {phase: 2, want: "RDS instance 'db' has no free-storage alarm", apply: func(t *testing.T, g *graph.Graph) {
		drop(g, tAlarm, "db-storage")
	}},
	"stack_deny_replica_lag_unwatched": {phase: 4, want: "read replica 'db-replica-1' has no lag alarm", apply: func(t *testing.T, g *graph.Graph) {
		drop(g, tAlarm, "db-replica-1-lag")
	}},
	"deny_alarm_without_action": {phase: 2, want: "notifies nobody", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tAlarm, "db-storage").Inputs["alarmActions"] = []any{}
	}},
	"deny_log_group_without_retention": {phase: 1, want: "keeps its logs forever", apply: func(t *testing.T, g *graph.Graph) {
		delete(find(t, g, tLogGroup, "observability-web").Inputs, "retentionInDays")
	}},
})
