package policies_test

// The breaking cases of ecr.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("ecr.rego", map[string]breaker{
	"stack_deny_repository_undeletable": setting(1, tRepo, "app", "forceDelete", false, "repository 'app' receives image 'app' and has no forceDelete"),
	"deny_ecr_repository_name":          setting(1, tRepo, "app", "name", "App", "gets the name 'App'"),
	"deny_ecr_lifecycle_policy":         setting(1, tECRLife, "app", "policy", `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":20},"action":{"type":"expire"}},{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}`, "two rules have priority 1"),
})
