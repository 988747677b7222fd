package policies_test

// The breaking cases of sns.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("sns.rego", map[string]breaker{
	"deny_sns_topic_name": added(8, newResource(tTopic, "alarms", map[string]any{"name": "alarms.fifo"}, nil), "name", "gets the name 'alarms.fifo' (explicit)"),
})
