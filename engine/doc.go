// Package engine runs the stack program under the real Pulumi engine: the
// CLI built from the Go module proxy (scripts/pulumi-cli.sh) and the
// Automation API, in a local workspace on the project's own Pulumi.yaml and
// stack file, with a file backend, a passphrase secrets provider and
// internal/testprovider standing in for AWS and Docker. Its tests climb the
// phases as the README tells a user to, then come down and destroy.
//
// Only this package imports the Automation API; it holds nothing but tests.
package engine
