package policies_test

// The breaking cases of secretsmanager.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("secretsmanager.rego", map[string]breaker{
	"deny_secret_recovery_window":      added(2, newResource(tSecret, "db-master", map[string]any{"recoveryWindowInDays": 3}, nil), "recoveryWindowInDays", "has a recovery window of 3 days"),
	"deny_secret_name":                 added(2, newResource(tSecret, "db-master", map[string]any{"name": "db master"}, nil), "name", "gets the name 'db master'"),
	"deny_secret_version":              added(2, newResource(tSecretV, "db-master", map[string]any{"secretString": repeat("a", 70000)}, nil), "secretString", "holds 70000 bytes"),
	"stack_deny_secret_replica_region": added(2, newResource(tSecret, "db-master", map[string]any{"replicas": []any{map[string]any{"region": "us-east-1"}}}, nil), "replicas.0.region", "lives in us-east-1 and lists us-east-1 as a replica region"),
})
