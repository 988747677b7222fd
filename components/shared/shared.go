// Package shared holds the few helpers every component uses: tags, names and
// the validation error type, so that all components speak the same vocabulary.
package shared

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Project is the type-token prefix of every component: <project>:<package>:<Type>.
const Project = "scalezero"

// Tags merges the caller's tags with a Name tag. The phase is never a tag:
// raising the phase must not touch what already exists.
func Tags(base map[string]string, name string) pulumi.StringMap {
	out := pulumi.StringMap{"Name": pulumi.String(name)}
	for k, v := range base {
		out[k] = pulumi.String(v)
	}
	return out
}

// Merge returns a copy of base with extra added.
func Merge(base, extra map[string]string) map[string]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, extra)
	return out
}

// ArgError names a component argument and what it allows.
type ArgError struct {
	Component string
	Arg       string
	Value     any
	Allowed   string
}

func (e *ArgError) Error() string {
	return fmt.Sprintf("%s: argument %s = %v is invalid: allowed %s", e.Component, e.Arg, e.Value, e.Allowed)
}

// Invalid returns a constructor of a component's argument errors.
func Invalid(component string) func(arg string, value any, allowed string) error {
	return func(arg string, value any, allowed string) error {
		return &ArgError{Component: component, Arg: arg, Value: value, Allowed: allowed}
	}
}

// Subnet carves the index-th block of newBits extra bits out of cidr.
func Subnet(cidr string, newBits, index int) (string, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return "", fmt.Errorf("parse %q: %w", cidr, err)
	}
	bits := p.Bits() + newBits
	if bits > 28 || index >= 1<<newBits || index < 0 {
		return "", fmt.Errorf("subnet %d of %s with %d more bits does not fit", index, cidr, newBits)
	}
	a := p.Masked().Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= uint32(index) << (32 - bits)
	addr := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	return netip.PrefixFrom(addr, bits).String(), nil
}

// IDs collects the ids of resources that expose ID().
func IDs[T interface{ ID() pulumi.IDOutput }](rs []T) pulumi.StringArray {
	out := make(pulumi.StringArray, len(rs))
	for i, r := range rs {
		out[i] = r.ID().ToStringOutput()
	}
	return out
}

// SortedKeys returns a map's keys in order, so resources are declared deterministically.
func SortedKeys[V any](m map[string]V) []string {
	keys := slices.Collect(maps.Keys(m))
	slices.Sort(keys)
	return keys
}
