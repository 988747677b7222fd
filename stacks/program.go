// Package stacks is the stack program: it loads and validates the config, asks
// the plan which tiers the phase has, composes the components for the
// target (aws, localstack or docker), and exports what a user needs next.
package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/stacks/plan"
)

// Program is the Pulumi program (main.go runs it; the offline graph runs it
// under mocks). Nothing is declared when the config is invalid.
func Program(ctx *pulumi.Context) error {
	get := func(key string) (string, bool) { return ctx.GetConfig(plan.Namespace + ":" + key) }
	settings, err := plan.Load(get)
	if err != nil {
		return err
	}
	if err := plan.CheckSecrets(get, func(key string) bool { return ctx.IsConfigSecret(plan.Namespace + ":" + key) }); err != nil {
		return err
	}
	p := plan.For(settings)
	build := BuildAWS // aws and localstack differ only in their providers
	if settings.Target == "docker" {
		build = BuildDocker
	}
	out, err := build(ctx, p)
	if err != nil {
		return fmt.Errorf("phase %d: %w", p.Settings.Phase, err)
	}
	for name, v := range out.Exports() {
		ctx.Export(name, v)
	}
	return nil
}
