package policies_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// The breaking cases of autoscaling.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("autoscaling.rego", map[string]breaker{
	"deny_refresh_auto_rollback": setting(3, tASG, "web-fleet", "instanceRefresh.preferences.autoRollback", true, "roll back to the new launch template version"),
	"deny_asg_capacity":          setting(3, tASG, "web-fleet", "desiredCapacity", 9, "wants 9 instances outside minSize 2 to maxSize 6"),
	"deny_scaling_policy_parameters": {phase: 6, want: "of type TargetTrackingScaling sets cooldown", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { find(t, g, tPolicy, "web-target-tracking").Inputs["cooldown"] = 60 },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tPolicy, "web-target-tracking", "policyType") }},
	"deny_step_adjustments": {phase: 6, want: "the step ending at 10 is followed by one starting at 5", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			p := find(t, g, tPolicy, "web-target-tracking")
			delete(p.Inputs, "targetTrackingConfiguration")
			p.Inputs["policyType"], p.Inputs["adjustmentType"] = "StepScaling", "ChangeInCapacity"
			p.Inputs["stepAdjustments"] = []any{
				map[string]any{"metricIntervalUpperBound": "0", "scalingAdjustment": -1},
				map[string]any{"metricIntervalLowerBound": "0", "metricIntervalUpperBound": "10", "scalingAdjustment": 1},
				map[string]any{"metricIntervalLowerBound": "5", "scalingAdjustment": 2},
			}
		},
		unknown: func(t *testing.T, g *graph.Graph) {
			unknownAt(t, g, tPolicy, "web-target-tracking", "stepAdjustments.2.metricIntervalLowerBound")
		}},
	"stack_deny_fleet_redundancy": {phase: 3, want: "minSize 1", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tASG, "web-fleet").Inputs["minSize"] = 1
	}},
	"stack_warn_fleet_redundancy": {phase: 8, want: "over 1 zone(s)", apply: func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tASG, "worker-fleet")
		r.PropertyDependencies["vpcZoneIdentifiers"] = r.PropertyDependencies["vpcZoneIdentifiers"][:1]
	}},
})
