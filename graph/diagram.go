package graph

import (
	"fmt"
	"sort"
	"strings"
)

// Mermaid draws the graph's top-level components as a Mermaid flowchart: one
// box per region (by the provider their resources use), one node per
// component, and an arrow from a component to each component it depends on.
// GitHub renders it in a pull request or a README.
func (g *Graph) Mermaid() string {
	byURN := map[string]Resource{}
	for _, r := range g.Resources {
		byURN[r.URN] = r
	}
	// top maps every resource to its top-level component (itself for roots).
	top := func(urn string) string {
		for {
			r, ok := byURN[urn]
			if !ok {
				return ""
			}
			if _, parentKnown := byURN[r.Parent]; !parentKnown {
				return r.URN
			}
			urn = r.Parent
		}
	}
	region := map[string]string{} // component -> provider name
	edges := map[[2]string]bool{}
	for _, r := range g.Resources {
		if r.Custom && strings.HasPrefix(r.Type, "pulumi:providers:") {
			continue
		}
		from := top(r.URN)
		if from == "" || byURN[from].Custom {
			continue
		}
		if region[from] == "" && (strings.Contains(r.Provider, "pulumi:providers:aws::") || strings.Contains(r.Provider, "pulumi:providers:docker::")) {
			region[from] = r.Provider[strings.LastIndex(r.Provider, "::")+2:] // primary, secondary, or docker
		}
		for _, deps := range r.PropertyDependencies {
			for _, d := range deps {
				to := top(d)
				if to != "" && to != from && !byURN[to].Custom {
					edges[[2]string{from, to}] = true
				}
			}
		}
	}
	groups := map[string][]string{}
	for urn, r := range byURN {
		if !r.Custom && top(urn) == urn {
			groups[region[urn]] = append(groups[region[urn]], urn)
		}
	}
	id := func(urn string) string {
		return strings.NewReplacer("-", "_", ".", "_").Replace(byURN[urn].Name) + "_" + kind(byURN[urn].Type)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "flowchart LR\n")
	names := make([]string, 0, len(groups))
	for name := range groups {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		label := name
		if label == "" {
			label = "global"
		}
		fmt.Fprintf(&b, "  subgraph %s[\"%s\"]\n", label, label)
		urns := groups[name]
		sort.Strings(urns)
		for _, u := range urns {
			fmt.Fprintf(&b, "    %s[\"%s<br/>(%s)\"]\n", id(u), byURN[u].Name, kind(byURN[u].Type))
		}
		fmt.Fprintf(&b, "  end\n")
	}
	lines := make([]string, 0, len(edges))
	for e := range edges {
		lines = append(lines, fmt.Sprintf("  %s --> %s\n", id(e[0]), id(e[1])))
	}
	sort.Strings(lines)
	for _, l := range lines {
		b.WriteString(l)
	}
	return b.String()
}

// kind is a type token's package: "scalezero:webtier:WebTier" -> "webtier";
// the docker target's stand-ins share one package, so theirs is the type,
// lower-cased: "scalezero:containers:AppFleet" -> "appfleet".
func kind(typ string) string {
	parts := strings.Split(typ, ":")
	if len(parts) < 2 {
		return typ
	}
	if parts[1] == "containers" && len(parts) == 3 {
		return strings.ToLower(parts[2])
	}
	return parts[1]
}
