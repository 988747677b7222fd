// Package workflows holds the checks of the repository's GitHub workflows
// (.github/workflows) that actionlint cannot make: what each step that runs
// Pulumi gets in its environment, which OIDC subject each job that assumes
// an AWS role presents, against the trust policies in docs/oidc, and the
// pull request's throwaway environments' contract (always destroyed, their
// results in the one sticky comment, LocalStack gated by its secret).
package workflows
