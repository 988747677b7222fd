package graph

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// Change kinds, as a preview prints them.
const (
	Added     = "+"
	Removed   = "-"
	Changed   = "~"
	Unchanged = "="
	// Replaced is a change to an input the resource's replaceOnChanges
	// names: the engine replaces it whatever the provider says.
	Replaced = "±"
)

// Change is what happens to one URN between two graphs.
type Change struct {
	Kind  string
	URN   string
	Type  string
	Props []PropChange // for Changed and Replaced: the inputs that differ
}

// PropChange is one input that differs, at a dotted path.
type PropChange struct {
	Path     string
	Old, New any // nil when absent
}

// Diff compares two graphs by URN, in URN order (removals last), with the
// inputs that changed for each kept resource.
func Diff(old, new *Graph) []Change {
	before := map[string]Resource{}
	for _, r := range old.Resources {
		before[r.URN] = r
	}
	after := map[string]bool{}
	var out []Change
	for _, r := range new.Resources {
		after[r.URN] = true
		prev, ok := before[r.URN]
		if !ok && r.Options != nil {
			// A resource the old graph holds under an alias is the same
			// one, as the engine takes it: changed, not added and removed.
			for _, a := range r.Options.Aliases {
				if prev, ok = before[a]; ok {
					after[a] = true
					break
				}
			}
		}
		switch {
		case !ok:
			out = append(out, Change{Kind: Added, URN: r.URN, Type: r.Type})
		case reflect.DeepEqual(prev.Inputs, r.Inputs):
			out = append(out, Change{Kind: Unchanged, URN: r.URN, Type: r.Type})
		default:
			var props []PropChange
			diffValues("", prev.Inputs, r.Inputs, &props)
			if props = notIgnored(props, r.Options); len(props) == 0 {
				out = append(out, Change{Kind: Unchanged, URN: r.URN, Type: r.Type})
				continue
			}
			kind := Changed
			if replaces(r.Options, props) {
				kind = Replaced
			}
			out = append(out, Change{Kind: kind, URN: r.URN, Type: r.Type, Props: props})
		}
	}
	for _, r := range old.Resources {
		if !after[r.URN] {
			out = append(out, Change{Kind: Removed, URN: r.URN, Type: r.Type})
		}
	}
	return out
}

// notIgnored drops the changes under a property the resource's
// ignoreChanges names: the engine sends the value its state holds for those
// (top-level names, as this project sets them), so they change nothing.
func notIgnored(props []PropChange, o *Options) []PropChange {
	if o == nil || len(o.IgnoreChanges) == 0 {
		return props
	}
	var out []PropChange
	for _, p := range props {
		if !slices.Contains(o.IgnoreChanges, topLevel(p.Path)) {
			out = append(out, p)
		}
	}
	return out
}

// replaces reports whether a changed input is one the resource's
// replaceOnChanges names (a top-level input, or "*" for any).
func replaces(o *Options, props []PropChange) bool {
	if o == nil {
		return false
	}
	for _, p := range props {
		top := topLevel(p.Path)
		for _, k := range o.ReplaceOnChanges {
			if k == "*" || k == top {
				return true
			}
		}
	}
	return false
}

// topLevel is the input a change's path starts in ("tags" of "tags.Name",
// "policy" of "policy#Statement.0"): what ignoreChanges and
// replaceOnChanges name.
func topLevel(path string) string {
	if i := strings.IndexAny(path, ".#"); i >= 0 {
		return path[:i]
	}
	return path
}

func diffValues(path string, a, b any, out *[]PropChange) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			diffValues(join(path, k), am[k], bm[k], out)
		}
		return
	}
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok && len(as) == len(bs) {
		for i := range as {
			diffValues(join(path, fmt.Sprint(i)), as[i], bs[i], out)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		// A JSON document held as a string (an IAM policy, a task
		// definition) is compared inside, so a review sees which statement
		// changed rather than two long strings.
		if ja, jb, ok := jsonDocs(a, b); ok {
			diffValues(path+"#", ja, jb, out)
			return
		}
		*out = append(*out, PropChange{Path: path, Old: a, New: b})
	}
}

// jsonDocs parses two strings that both hold a JSON object or array.
func jsonDocs(a, b any) (any, any, bool) {
	as, aok := a.(string)
	bs, bok := b.(string)
	if !aok || !bok {
		return nil, nil, false
	}
	var ja, jb any
	if json.Unmarshal([]byte(as), &ja) != nil || json.Unmarshal([]byte(bs), &jb) != nil {
		return nil, nil, false
	}
	switch ja.(type) {
	case map[string]any, []any:
	default:
		return nil, nil, false
	}
	switch jb.(type) {
	case map[string]any, []any:
		return ja, jb, true
	}
	return nil, nil, false
}

func join(path, key string) string {
	if path == "" || strings.HasSuffix(path, "#") {
		return path + key
	}
	return path + "." + key
}

// Summary counts the changes by kind: "3 added, 0 removed, 1 changed, 40 unchanged".
func Summary(changes []Change) string {
	n := map[string]int{}
	for _, c := range changes {
		n[c.Kind]++
	}
	out := fmt.Sprintf("%d added, %d removed, %d changed, %d unchanged", n[Added], n[Removed], n[Changed], n[Unchanged])
	if n[Replaced] > 0 {
		out += fmt.Sprintf(", %d replaced", n[Replaced])
	}
	return out
}

// Markdown renders the changes for a pull request, leaving out what is unchanged.
func Markdown(title string, changes []Change) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n%s\n\n", title, Summary(changes))
	for _, c := range changes {
		if c.Kind == Unchanged {
			continue
		}
		fmt.Fprintf(&b, "- `%s` %s\n", c.Kind, shortURN(c.URN))
		for _, p := range c.Props {
			old, new := show(p.Old), show(p.New)
			if os, ok := p.Old.(string); ok {
				if ns, ok := p.New.(string); ok && old == new {
					old, new = around(os, ns)
				}
			}
			fmt.Fprintf(&b, "  - `%s`: %s → %s\n", p.Path, old, new)
		}
	}
	return b.String()
}

// shortURN drops the stack and project: the type chain and the name remain.
func shortURN(urn string) string {
	if parts := strings.SplitN(urn, "::", 3); len(parts) == 3 {
		return parts[2]
	}
	return urn
}

// around shows two long strings that the cut in show makes look equal by
// where they first differ.
func around(a, b string) (string, string) {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	cut := func(s string) string {
		from, to := max(0, i-30), min(len(s), i+50)
		out := fmt.Sprintf("%q", s[from:to])
		if from > 0 {
			out = "..." + out
		}
		if to < len(s) {
			out += "..."
		}
		return out
	}
	return cut(a), cut(b)
}

func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case string:
		if x == Unknown {
			return "(known after apply)"
		}
		if len(x) > 80 {
			x = x[:77] + "..."
		}
		return fmt.Sprintf("%q", x)
	}
	return fmt.Sprint(v)
}
