// Package graph is the data model of a recorded Pulumi program: the
// resources it registers, with their inputs, dependencies and options, and
// the queries, diffs and diagrams read from them. It imports nothing of
// Pulumi, so cost and cmd/cost read the same types the recorder writes.
//
// Two views exist: Preview, as a first preview of a new stack shows it
// (values that only exist after creation stay unknown), and Known, as after
// `pulumi up` (every output a provider declares for the type is made up
// deterministically per URN, so two phases compare value with value).
// graph/record records any program under Pulumi's mock monitor;
// graph/stackgraph records the project's stack program.
package graph

import (
	"encoding/json"
	"fmt"
)

// Unknown stands for a value a preview does not know yet (an id, an ARN, an
// endpoint). It is Pulumi's own wire sentinel for unknown values.
const Unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

// Secret replaces every secret value: the graph is printed and committed.
const Secret = "[secret]"

// Project and Stack name the offline run.
const (
	Project = "scalezero"
	Stack   = "dev"
)

// Resource is one registered resource.
type Resource struct {
	URN                  string              `json:"urn"`
	Type                 string              `json:"type"`
	Name                 string              `json:"name"`
	Parent               string              `json:"parent"`
	Provider             string              `json:"provider"`
	Custom               bool                `json:"custom"`
	Inputs               map[string]any      `json:"inputs"`
	Dependencies         []string            `json:"dependencies"`
	PropertyDependencies map[string][]string `json:"propertyDependencies"`
	// Options are the resource options that change what the engine does
	// with it (left out when none is set).
	Options *Options `json:"options,omitempty"`
}

// Options are a resource's lifecycle options, as registered.
type Options struct {
	IgnoreChanges    []string `json:"ignoreChanges,omitempty"`
	ReplaceOnChanges []string `json:"replaceOnChanges,omitempty"`
	RetainOnDelete   bool     `json:"retainOnDelete,omitempty"`
	// DeleteBeforeReplace is set where the program says: true, or false
	// where it overrides a provider that deletes first by default.
	DeleteBeforeReplace *bool `json:"deleteBeforeReplace,omitempty"`
	Protect             bool  `json:"protect,omitempty"`
	// Aliases are the URNs the resource was known by: the engine takes a
	// resource of the old state under one of them as this one.
	Aliases []string `json:"aliases,omitempty"`
}

// Graph is what a phase declares.
type Graph struct {
	Phase     int        `json:"phase"`
	Resources []Resource `json:"resources"`
	// Invokes are the data-source tokens the program called, in order; not
	// part of the JSON (an invoke creates nothing), but tests read them.
	Invokes []string `json:"-"`
	// InvokeRegions are the regions of the providers those calls went to
	// ("" for a provider without one), in the same order.
	InvokeRegions []string `json:"-"`
}

// View is which values a graph holds.
type View int

const (
	// Preview holds what a first preview of a new stack shows: ids, ARNs and
	// endpoints are Unknown.
	Preview View = iota
	// Known holds what the stack holds after `pulumi up`: mocks return every
	// output the provider declares for the type (internal/knownvalues).
	Known
)

// ParseView reads "preview" or "known".
func ParseView(s string) (View, error) {
	switch s {
	case "preview":
		return Preview, nil
	case "known":
		return Known, nil
	}
	return Preview, fmt.Errorf("view %q: allowed known or preview", s)
}

func (v View) String() string {
	if v == Known {
		return "known"
	}
	return "preview"
}

// JSON renders the graph, indented, with a stable key order.
func (g *Graph) JSON() ([]byte, error) {
	return json.MarshalIndent(g, "", "  ")
}
