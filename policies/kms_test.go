package policies_test

// The breaking cases of kms.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("kms.rego", map[string]breaker{
	"deny_kms_key_settings": setting(7, tKMS, "db-secondary", "deletionWindowInDays", 5, "waits 5 days before deletion"),
})
