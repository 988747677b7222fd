package stacks

import (
	"github.com/scalezero/scalezero/components/network"
	"github.com/scalezero/scalezero/components/peering"
)

// The aws target: the two regions' networks and the peering between them.

// natStrategy is the app subnets' way out: from the phase whose hosts live
// there, one gateway or one per zone (natGateways).
func (b *builder) natStrategy() network.NATStrategy {
	switch {
	case !b.p.NAT:
		return network.NATNone
	case b.s.NATPerAZ:
		return network.NATPerAZ
	}
	return network.NATSingle
}

// buildPeering connects the second region's VPC to the primary's: its hosts
// write to the primary region's database and read its shards.
func (b *builder) buildPeering() error {
	for _, r := range b.regions[1:] {
		if _, err := peering.New(b.ctx, "peering", &peering.Args{
			Primary: b.primary().net, Remote: r.net, RemoteRegion: r.name, RemoteProvider: r.provider, Tags: b.tags,
			Reverse: b.writesAcross(),
		}, b.primary().opts()); err != nil {
			return err
		}
	}
	return nil
}
