// Package workflows holds the checks of the repository's GitHub workflows
// (.github/workflows) that actionlint cannot make: what each step that runs
// Pulumi gets in its environment, and which OIDC subject each job that
// assumes an AWS role presents, against the trust policies in docs/oidc.
package workflows
