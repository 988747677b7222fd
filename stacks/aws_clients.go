package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// The aws target: which hosts the data tier admits.
//
// The hosts come last (they boot on every setting, so after everything the
// settings name), but the databases and caches admit them from their
// creation: each host kind's security group is a deferred output, handed to
// the data tier in its Args and resolved when the hosts exist. Every
// deferred group is resolved by the hosts step or, when the program stops
// before it, rejected with the program's error: a rule waiting on a group
// never resolved would hold the program forever.

// hostGroups are the security groups of one region's hosts, by client name
// ("server", "web", "worker"): those of the kinds the plan builds there.
type hostGroups struct {
	ids     shared.Clients
	resolve map[string]func(pulumi.Output)
}

// newHostGroups makes the deferred groups of region r's host kinds.
func (b *builder) newHostGroups(r *region) *hostGroups {
	var kinds []string
	switch {
	case b.p.SingleServer && r.role == "primary":
		kinds = append(kinds, "server")
	case !b.p.SingleServer:
		kinds = append(kinds, "web")
	}
	if b.p.Queue && !b.p.SingleServer {
		kinds = append(kinds, "worker")
	}
	g := &hostGroups{ids: shared.Clients{}, resolve: map[string]func(pulumi.Output){}}
	for _, kind := range kinds {
		out, resolve := pulumi.DeferredOutput[string](b.ctx.Context())
		g.ids[kind] = pulumi.StringOutput{OutputState: out.OutputState}
		g.resolve[kind] = resolve
	}
	return g
}

// admit resolves a host kind's group: the rules that name it go ahead.
func (g *hostGroups) admit(kind string, sg pulumi.StringOutput) error {
	resolve, ok := g.resolve[kind]
	if !ok {
		return fmt.Errorf("hosts %q are not among this region's clients %v", kind, shared.SortedKeys(g.ids))
	}
	delete(g.resolve, kind)
	resolve(sg)
	return nil
}

// fail rejects every group not resolved yet with err.
func (g *hostGroups) fail(err error) {
	for kind, resolve := range g.resolve {
		resolve(pulumi.All().ApplyT(func([]any) (string, error) { return "", err }))
		delete(g.resolve, kind)
	}
}

// remoteClients are the other regions' web hosts a database in region r
// admits through the peering, by their app subnets' blocks: the primary
// region's databases admit every other region's, and, once the first
// region is back after a failover (writesAcross), the second region's
// databases admit the first's, which write there. The workers run in the
// same subnets, so the web hosts' rules admit them too (the same rule twice
// AWS refuses as a duplicate).
func (b *builder) remoteClients(r *region) []shared.RemoteClient {
	if b.p.SingleServer {
		return nil
	}
	var out []shared.RemoteClient
	switch {
	case r.role == "primary":
		for _, other := range b.regions[1:] {
			out = append(out, shared.RemoteClient{Name: other.named("web"), CIDRs: other.net.AppCIDRs})
		}
	case b.writesAcross():
		prim := b.primary()
		out = append(out, shared.RemoteClient{Name: prim.named("web"), CIDRs: prim.net.AppCIDRs})
	}
	return out
}
