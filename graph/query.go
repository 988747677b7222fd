package graph

import (
	"fmt"
	"sort"
	"strings"
)

// OfType returns the resources of one type token, in URN order.
func (g *Graph) OfType(typ string) []Resource {
	var out []Resource
	for _, r := range g.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// ByURN finds a resource.
func (g *Graph) ByURN(urn string) (Resource, bool) {
	for _, r := range g.Resources {
		if r.URN == urn {
			return r, true
		}
	}
	return Resource{}, false
}

// Named finds the resource of a type with a logical name.
func (g *Graph) Named(typ, name string) (Resource, bool) {
	for _, r := range g.OfType(typ) {
		if r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// URNs returns every URN.
func (g *Graph) URNs() []string {
	out := make([]string, len(g.Resources))
	for i, r := range g.Resources {
		out[i] = r.URN
	}
	return out
}

// DependsOn reports whether a property of r was computed from the resource at urn.
func (r Resource) DependsOn(property, urn string) bool {
	for _, u := range r.PropertyDependencies[property] {
		if u == urn {
			return true
		}
	}
	return false
}

// Str returns a string input at a dotted path ("metadataOptions.httpTokens"),
// or "" when it is absent or not a string.
func (r Resource) Str(path string) string {
	v, _ := r.Get(path).(string)
	return v
}

// Get returns the input at a dotted path; array elements are addressed by
// index ("networkInterfaces.0.associatePublicIpAddress").
func (r Resource) Get(path string) any {
	var cur any = r.Inputs
	for _, part := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[part]
		case []any:
			i := 0
			for _, ch := range part {
				if ch < '0' || ch > '9' {
					return nil
				}
				i = i*10 + int(ch-'0')
			}
			if i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// Census lists the custom resources' types with how many of each, one
// "type n" line per type in type order: what a component declares, at a
// glance (its Example prints it).
func (g *Graph) Census() string {
	counts := map[string]int{}
	for _, r := range g.Resources {
		if r.Custom {
			counts[r.Type]++
		}
	}
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Strings(types)
	var b strings.Builder
	for _, t := range types {
		fmt.Fprintf(&b, "%s %d\n", t, counts[t])
	}
	return b.String()
}
