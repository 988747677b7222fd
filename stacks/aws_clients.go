package stacks

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// The aws target: outputs promised before the resource they come from
// exists, and which hosts the data tier admits.
//
// The hosts come last (they boot on every setting, so after everything the
// settings name), and the DNS's health checks after the load balancers;
// but the databases and caches admit the hosts from their creation, and
// observability watches the hosts and health checks from its creation (the
// hosts log to its groups, so it comes first). Each such value is promised:
// a deferred output handed to the component in its Args, kept (resolved)
// by the step that makes the resource. A promise is kept once, or broken
// with the program's error when it stops first, and one still open when
// the program ends is an error of its own: a resource waiting on a value
// never resolved would hold the program forever.

// promise is the value named key, to be kept by a later step.
func (b *builder) promise(key string) pulumi.StringOutput {
	if _, dup := b.pending[key]; dup {
		panic("stacks: promised twice: " + key) // a programming error, caught by every test
	}
	out, resolve := pulumi.DeferredOutput[string](b.ctx.Context())
	if b.pending == nil {
		b.pending = map[string]func(pulumi.Output){}
	}
	b.pending[key] = resolve
	return pulumi.StringOutput{OutputState: out.OutputState}
}

// keep resolves the promise named key with v.
func (b *builder) keep(key string, v pulumi.StringOutput) error {
	resolve, ok := b.pending[key]
	if !ok {
		return fmt.Errorf("nothing was promised as %q (open: %s)", key, strings.Join(shared.SortedKeys(b.pending), ", "))
	}
	delete(b.pending, key)
	resolve(v)
	return nil
}

// settle ends the program's promises: on err, each open one breaks with
// it; without, one still open is an error (a step that should have kept it
// did not run).
func (b *builder) settle(err error) error {
	if err == nil && len(b.pending) > 0 {
		err = fmt.Errorf("promised and never made: %s", strings.Join(shared.SortedKeys(b.pending), ", "))
	}
	for key, resolve := range b.pending {
		resolve(pulumi.All().ApplyT(func([]any) (string, error) { return "", err }))
		delete(b.pending, key)
	}
	return err
}

// The promises' names.
const serverInstanceKey = "server instance id"

func groupNameKey(r *region, kind string) string { return r.named(kind) + " group name" }

// hostKinds are the kinds of host the plan builds in region r.
func (b *builder) hostKinds(r *region) []string {
	switch {
	case b.p.SingleServer && r.role == "primary":
		return []string{"server"}
	case b.p.SingleServer:
		return nil
	case b.p.Queue:
		return []string{"web", "worker"}
	}
	return []string{"web"}
}

func groupKey(r *region, kind string) string { return r.named(kind) + " hosts' security group" }

// hostClients are the security groups of region r's hosts, by client name
// ("server", "web", "worker"), as the data tier admits them: promised.
func (b *builder) hostClients(r *region) shared.Clients {
	out := shared.Clients{}
	for _, kind := range b.hostKinds(r) {
		out[kind] = b.promise(groupKey(r, kind))
	}
	return out
}

// admit keeps the promise of region r's hosts of a kind: the rules that
// name their group go ahead.
func (b *builder) admit(r *region, kind string, sg pulumi.StringOutput) error {
	return b.keep(groupKey(r, kind), sg)
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
