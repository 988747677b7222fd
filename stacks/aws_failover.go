package stacks

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/appsettings"
	"github.com/scalezero/scalezero/stacks/plan"
)

// A region whose APIs fail (lostRegion) must not stop a failover: `pulumi
// up` then asks it nothing and changes nothing there. Its provider skips the
// calls the AWS provider makes when it is configured (STS's caller identity,
// the account id), the program makes no lookup in it (zones, AMIs, the
// account, registry tokens), and every resource there keeps the inputs its
// state holds (ignoreChanges on each of them), so the engine sends it no
// create, update or delete. Route 53 and CloudFront serve on their data
// planes meanwhile: the health checks already send the lost region's users to
// the other one, and no record changes.

// lost reports whether region name is the one whose APIs fail.
func (b *builder) lost(name string) bool { return b.s.LostRegion != "" && name == b.s.LostRegion }

// frozen makes a resource, and every child of a component, keep the inputs
// its state holds: the engine then has nothing to send its provider.
var frozen = pulumi.Transformations([]pulumi.ResourceTransformation{freeze})

func freeze(args *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
	names := inputNames(args.Props)
	if len(names) == 0 {
		return nil
	}
	return &pulumi.ResourceTransformationResult{Props: args.Props, Opts: append(args.Opts, pulumi.IgnoreChanges(names))}
}

// inputNames lists a resource's top-level input properties, from the
// pulumi tags of its args' plain type.
func inputNames(props pulumi.Input) []string {
	if props == nil {
		return nil
	}
	t := props.ElementType()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		if name := t.Field(i).Tag.Get("pulumi"); name != "" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// zones are the availability zones a region's tiers use: the first azCount
// it offers without opting in. A lost region is not asked: its resources
// keep the zones their state holds, so any names stand in for them.
func (b *builder) zones(r *region) ([]string, error) {
	if r.lost {
		out := make([]string, b.s.AZCount)
		for i := range out {
			out[i] = fmt.Sprintf("%s%c", r.name, 'a'+i)
		}
		return out, nil
	}
	zones, err := aws.GetAvailabilityZones(b.ctx, &aws.GetAvailabilityZonesArgs{
		State: pulumi.StringRef("available"),
		Filters: []aws.GetAvailabilityZonesFilter{
			{Name: "opt-in-status", Values: []string{"opt-in-not-required"}},
		},
	}, pulumi.Provider(r.provider))
	if err != nil {
		return nil, fmt.Errorf("look up zones of %s: %w", r.name, err)
	}
	if len(zones.Names) < b.s.AZCount {
		return nil, &plan.ConfigError{Key: "azCount", Value: fmt.Sprint(b.s.AZCount), Allowed: fmt.Sprintf("at most %d: %s has %v", len(zones.Names), r.name, zones.Names)}
	}
	return zones.Names[:b.s.AZCount], nil
}

// lookUpAccount asks a region that answers for the account, once, for every
// component that names it.
func (b *builder) lookUpAccount() error {
	for _, r := range b.regions {
		if r.lost {
			continue
		}
		me, err := aws.GetCallerIdentity(b.ctx, &aws.GetCallerIdentityArgs{}, pulumi.Provider(r.provider))
		if err != nil {
			return fmt.Errorf("look up the account in %s: %w", r.name, err)
		}
		b.account = me.AccountId
		return nil
	}
	return nil
}

// ami is what a region's hosts boot: looked up by the host components,
// except in a lost region, whose hosts keep the image their state holds.
func (r *region) ami() string {
	if r.lost {
		return "ami-kept-while-the-region-is-lost"
	}
	return ""
}

// edgeOpts place a resource with the us-east-1 provider of CloudFront's
// certificate, logs and alarms, frozen when that region is lost.
func (b *builder) edgeOpts() pulumi.ResourceOption {
	if b.lost(edgeRegion) {
		return pulumi.Composite(pulumi.Provider(b.edge), frozen)
	}
	return pulumi.Provider(b.edge)
}

// lostProviderArgs turn off what the AWS provider asks AWS when it is
// configured (pulumi-aws checks the credentials with STS, and the provider
// looks up the account through STS or IAM), which a lost region cannot
// answer. Changing these is an in-place update of the provider: only a new
// region replaces it and its resources.
func lostProviderArgs(args *aws.ProviderArgs) {
	args.SkipCredentialsValidation = pulumi.Bool(true)
	args.SkipRequestingAccountId = pulumi.Bool(true)
	args.SkipMetadataApiCheck = pulumi.Bool(true)
}

// The first region's return after a failover (primaryDatabases): while the
// second region holds the writers and the first answers again, the first
// region's hosts write to the second's databases through the peering, as
// the second region's did before the failover: its web subnets are routed
// to the second VPC, admitted to its databases, and their traffic there
// kept to the peering's packet size.

// writesAcross reports whether the first region's hosts write to the second
// region's databases: it holds the writers and the first region answers.
func (b *builder) writesAcross() bool {
	return b.p.MultiRegion && b.s.WriterRole() == "secondary" && !b.lost(b.s.PrimaryRegion)
}

// writesPausedKey tells the app to answer writes 503 (writesPaused): the
// first step of a planned switchover, so that the copy to be promoted
// catches up with every acknowledged write first.
var writesPausedKey = appsettings.Env(appsettings.WritesPaused)

// switchoverValues adds the switchover's settings to a region's host
// settings: only while writes are paused, so a stack that never pauses
// them publishes nothing new.
func (b *builder) switchoverValues(v map[string]pulumi.StringInput) {
	if b.s.WritesPaused {
		v[writesPausedKey] = pulumi.String("true")
	}
}
