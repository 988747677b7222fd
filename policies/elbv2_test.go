package policies_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// The breaking cases of elbv2.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("elbv2.rego", map[string]breaker{
	"deny_lb_name":              setting(3, tLB, "web", "name", "web_lb", "gets the name 'web_lb'"),
	"deny_lb_attributes":        setting(3, tLB, "web", "idleTimeout", 5000, "has an idle timeout of 5000 s"),
	"stack_deny_lb_single_zone": oneSubnet(3, tLB, "web", "subnets", "net-public-us-east-1a", "spans 1 zone(s)"),
	"stack_deny_lb_two_subnets_one_zone": {phase: 3, want: "has 2 subnets in us-east-1a", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			dependOn(find(t, g, tLB, "web"), "subnets", find(t, g, tSubnet, "net-app-us-east-1a").URN)
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tSubnet, "net-app-us-east-1a", "availabilityZone") }},
	"deny_target_group_name":         setting(3, tTG, "web", "name", "-tg", "gets the name '-tg'"),
	"deny_target_group_health_check": setting(3, tTG, "web", "healthCheck.interval", 400, "sets health check interval 400"),
	"deny_target_group_attributes":   setting(3, tTG, "web", "deregistrationDelay", 4000, "delays deregistration 4000 s"),
	"deny_listener_tls_settings": {phase: 3, want: "HTTP listener 'web-http' sets sslPolicy", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tListener, "web-http").Inputs["sslPolicy"] = "ELBSecurityPolicy-TLS13-1-2-2021-06"
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tListener, "web-http", "protocol") }},
	"stack_deny_listener_port_taken": {phase: 3, want: "both listen on port 80 of 'web'", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { clone(t, g, tListener, "web-http", "web-http-again") },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tListener, "web-http-again", "port") }},
	"stack_deny_listener_certificate": {phase: 3, want: "uses certificate 'web' without waiting for its validation", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			cert := newResource(tCert, "web", map[string]any{"domainName": "app.scalezero.dev", "validationMethod": "DNS"}, nil)
			https := clone(t, g, tListener, "web-http", "web-https")
			https.Inputs["protocol"], https.Inputs["port"], https.Inputs["certificateArn"] = "HTTPS", 443, graph.Unknown
			dependOn(https, "certificateArn", cert.URN)
			add(g, cert)
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tListener, "web-https", "protocol") }},
	"stack_deny_alb_log_bucket": setting(3, tSSE, "logs", "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "aws:kms", "encrypted with aws:kms; ELB writes access logs only with SSE-S3"),
	"warn_lb_invalid_headers": {phase: 3, want: "passes invalid header fields on", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tLB, "web").Inputs["dropInvalidHeaderFields"] = false
	}},
	"stack_deny_sticky_shared_sessions": {phase: 6, want: "sticky although sessions are shared", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tTG, "web").Inputs["stickiness"].(map[string]any)["enabled"] = true
	}},
})
