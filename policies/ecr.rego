package scalezero

import rego.v1

# Amazon ECR: repositories and lifecycle policies.

ecr_repository := "aws:ecr/repository:Repository"

# METADATA
# title: A repository holding images can be deleted
# description: ECR deletes a repository that holds images only with force (RepositoryNotEmptyException otherwise); a repository the stack pushes images to needs forceDelete, or pulumi destroy fails.
# custom:
#   kind: preflight
#   types: [aws:ecr/repository:Repository, docker:index/image:Image]
#   doc: 'Amazon ECR API Reference, "DeleteRepository" (force; RepositoryNotEmptyException) (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DeleteRepository.html)'
#   message: Set forceDelete on the repository (behind a protection setting for production).
stack_deny_repository_undeletable contains msg if {
	some repo in resources_of(ecr_repository)
	not flag(repo, "forceDelete", false)
	has_flag(repo, "forceDelete")
	some img in resources_of("docker:index/image:Image")
	depends_on(img, "imageName", repo.__urn)
	msg := sprintf("repository '%s' receives image '%s' and has no forceDelete; ECR refuses to delete it while it holds images", [repo.__name, img.__name])
}

# METADATA
# title: Repository names fit ECR's rules
# description: A repository name has 2 to 256 characters, lowercase letters and digits in components separated by . _ - or /; Pulumi's auto-name adds 8 characters.
# custom:
#   kind: preflight
#   types: [aws:ecr/repository:Repository]
#   doc: 'Amazon ECR API Reference, "CreateRepository" (repositoryName) (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html)'
#   message: Use a lowercase name of 2-256 characters.
deny_ecr_repository_name contains msg if {
	input.__type == ecr_repository
	n := physical_name(input, "name")
	m := auto_lower(input, "name", n)
	not valid_ecr_name(m)
	msg := sprintf("repository '%s' gets the name '%s' (%s); ECR allows 2-256 lowercase characters in components separated by . _ - /", [input.__name, n, name_origin(input, "name")])
}

valid_ecr_name(n) if {
	between(count(n), 2, 256)
	regex.match(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`, n)
}

# METADATA
# title: ECR lifecycle rules ECR accepts
# description: Lifecycle rules have unique priorities; a tagged selection names tag prefixes or patterns; imageCountMoreThan takes no countUnit and sinceImagePushed takes countUnit days.
# custom:
#   kind: preflight
#   types: [aws:ecr/lifecyclePolicy:LifecyclePolicy]
#   doc: 'Amazon ECR User Guide, "Lifecycle policy properties in Amazon ECR" (https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html)'
#   message: Fix the rule as the message says.
deny_ecr_lifecycle_policy contains msg if {
	input.__type == "aws:ecr/lifecyclePolicy:LifecyclePolicy"
	doc := json.unmarshal(str(input, "policy"))
	some problem in ecr_rule_problems(object.get(doc, "rules", []))
	msg := sprintf("lifecycle policy '%s': %s", [input.__name, problem])
}

ecr_rule_problems(rules) := {p |
	some i, a in rules
	some j, b in rules
	i < j
	a.rulePriority == b.rulePriority
	p := sprintf("two rules have priority %v", [a.rulePriority])
} | {p |
	some r in rules
	s := object.get(r, "selection", {})
	s.tagStatus == "tagged"
	count(object.get(s, "tagPrefixList", [])) + count(object.get(s, "tagPatternList", [])) == 0
	p := sprintf("rule %v selects tagged images without tagPrefixList or tagPatternList", [object.get(r, "rulePriority", "?")])
} | {p |
	some r in rules
	s := object.get(r, "selection", {})
	s.countType == "imageCountMoreThan"
	has_key(s, "countUnit")
	p := sprintf("rule %v counts images but sets countUnit", [object.get(r, "rulePriority", "?")])
} | {p |
	some r in rules
	s := object.get(r, "selection", {})
	s.countType == "sinceImagePushed"
	object.get(s, "countUnit", "") != "days"
	p := sprintf("rule %v counts days since push without countUnit days", [object.get(r, "rulePriority", "?")])
}
