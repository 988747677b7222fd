package policies_test

import (
	"strings"
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// The breaking cases of route53.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("route53.rego", map[string]breaker{
	"deny_route53_reserved_zone": {phase: 3, set: []string{withDomain}, want: "is for app.scalezero.example.com, under the reserved example.com", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tZone, "zone").Inputs["name"] = "app.scalezero.example.com"
			for _, r := range allOf(g, tRecord) {
				r.Inputs["name"] = strings.Replace(r.Inputs["name"].(string), "app.scalezero.dev", "app.scalezero.example.com", 1)
			}
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tZone, "zone", "name") }},
	"deny_route53_record_shape": {phase: 7, set: []string{withDomain}, want: "has a routing policy but no setIdentifier", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			delete(find(t, g, tRecord, "dns-failover-primary").Inputs, "setIdentifier")
		},
		unknown: func(t *testing.T, g *graph.Graph) {
			unknownAt(t, g, tRecord, "dns-failover-primary", "failoverRoutingPolicies")
		}},
	"deny_route53_geolocation": {phase: 7, set: []string{withDomain}, want: "names continent XX", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			put(t, find(t, g, tRecord, "dns-geo-eu"), "geolocationRoutingPolicies.0.continent", "XX")
		},
		unknown: func(t *testing.T, g *graph.Graph) {
			unknownAt(t, g, tRecord, "dns-geo-eu", "geolocationRoutingPolicies.0.continent")
		}},
	"stack_deny_alias_before_target": {phase: 7, set: []string{withDomain}, want: "alias record 'dns-www' targets failover.app.scalezero.dev but does not depend on record 'dns-failover-", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			www := clone(t, g, tRecord, "dns-site", "dns-www")
			www.Inputs["name"] = "www.app.scalezero.dev"
			www.Dependencies = append([]string{}, www.PropertyDependencies["zoneId"]...)
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRecord, "dns-www", "aliases.0.name") }},
	"stack_deny_record_set_conflict": {phase: 7, set: []string{withDomain}, want: "a simple record cannot share its name and type", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { addPlainRecord(t, g, "dns-plain", "app.scalezero.dev") },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRecord, "dns-plain", "name") }},
	"stack_deny_record_outside_zone": {phase: 7, set: []string{withDomain}, want: "record 'dns-stray' (stray.example.org) is not within zone 'zone'", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { addPlainRecord(t, g, "dns-stray", "stray.example.org") },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRecord, "dns-stray", "name") }},
	"deny_route53_health_check": {phase: 7, set: []string{withDomain}, want: "runs every 20 s", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { find(t, g, tHC, "dns-primary").Inputs["requestInterval"] = 20 },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tHC, "dns-primary", "requestInterval") }},
	"stack_deny_geo_without_default": {phase: 7, set: []string{withDomain}, want: "no default", apply: func(t *testing.T, g *graph.Graph) {
		drop(g, tRecord, "dns-site")
	}},
	"stack_deny_geo_unchecked": {phase: 7, set: []string{withDomain}, want: "has no health check", apply: func(t *testing.T, g *graph.Graph) {
		delete(find(t, g, tRecord, "dns-geo-eu").Inputs, "healthCheckId")
	}},
})
