// Package cost prices a phase's offline graph (the JSON `make plan` prints)
// with a dated price table kept in the repo and a usage file for the charges
// that depend on traffic. A resource, class or region the table does not
// cover is an error naming it, never a zero; resources that cost nothing are
// listed as free with the reason.
//
// The package reads the graph's JSON into graph's own types (graph imports
// nothing of Pulumi), so the command that uses it builds in seconds.
package cost

import (
	"bytes"
	_ "embed"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed prices.yaml
var defaultPrices []byte

//go:embed usage.yaml
var defaultUsage []byte

// GlobalRegion holds the services billed once whatever region declares them
// (CloudFront, Route 53, CloudWatch dashboards).
const GlobalRegion = "global"

// Table is the price table: prices by region and group, each group with the
// source it was read from.
type Table struct {
	Date          string                      `yaml:"date"`
	HoursPerMonth float64                     `yaml:"hoursPerMonth"`
	Sources       map[string]Source           `yaml:"sources"`
	Regions       map[string]map[string]Group `yaml:"regions"`
}

// Source says where a group's figures come from and when they were read.
type Source struct {
	Page     string `yaml:"page"`
	ReadFrom string `yaml:"readFrom"`
	Read     string `yaml:"read"`
	Note     string `yaml:"note"`
}

// Group is a set of prices with one unit and one source.
type Group struct {
	Source string             `yaml:"source"`
	Unit   string             `yaml:"unit"`
	Items  map[string]float64 `yaml:"items"`
}

// units maps a group's unit to what one unit of quantity costs: hour prices
// are for something running all month; 10k and million are per that many
// requests.
var units = map[string]func(t *Table, price, qty float64) float64{
	"hour":     func(t *Table, p, q float64) float64 { return p * q * t.HoursPerMonth },
	"month":    func(_ *Table, p, q float64) float64 { return p * q },
	"GB":       func(_ *Table, p, q float64) float64 { return p * q },
	"GB-month": func(_ *Table, p, q float64) float64 { return p * q },
	"10k":      func(_ *Table, p, q float64) float64 { return p * q / 1e4 },
	"million":  func(_ *Table, p, q float64) float64 { return p * q / 1e6 },
}

// DefaultTable is the table kept in the repo (cost/prices.yaml).
func DefaultTable() (*Table, error) { return ParseTable(defaultPrices) }

// LoadTable reads a price table from a file; "" is the default table.
func LoadTable(path string) (*Table, error) { return load(path, defaultPrices, ParseTable) }

// load parses a file, or the built-in default when path is "".
func load[T any](path string, builtin []byte, parse func([]byte) (*T, error)) (*T, error) {
	if path == "" {
		return parse(builtin)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, err := parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// decodeStrict decodes YAML into v, refusing keys v does not have (a typo
// in a price table or usage file is an error, not a silent default).
func decodeStrict(raw []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// ParseTable decodes and checks a price table: a date, the hours in a month,
// and every group with a known unit, a source listed under sources, and no
// negative price.
func ParseTable(raw []byte) (*Table, error) {
	var t Table
	if err := decodeStrict(raw, &t); err != nil {
		return nil, fmt.Errorf("price table: %w", err)
	}
	switch {
	case t.Date == "":
		return nil, fmt.Errorf("price table: date is missing")
	case t.HoursPerMonth <= 0:
		return nil, fmt.Errorf("price table: hoursPerMonth must be positive")
	}
	for name, s := range t.Sources {
		if s.ReadFrom == "" || s.Read == "" || s.Page == "" {
			return nil, fmt.Errorf("price table: source %s needs page, readFrom and read", name)
		}
	}
	for region, groups := range t.Regions {
		for name, g := range groups {
			where := fmt.Sprintf("price table: %s in %s", name, region)
			if _, ok := t.Sources[g.Source]; !ok {
				return nil, fmt.Errorf("%s: source %q is not listed under sources", where, g.Source)
			}
			if _, ok := units[g.Unit]; !ok {
				return nil, fmt.Errorf("%s: unit %q is not one of %s", where, g.Unit, strings.Join(sortedKeys(units), ", "))
			}
			if len(g.Items) == 0 {
				return nil, fmt.Errorf("%s: no items", where)
			}
			for item, p := range g.Items {
				if p < 0 {
					return nil, fmt.Errorf("%s: %s has a negative price", where, item)
				}
			}
		}
	}
	return &t, nil
}

// Charge is the monthly cost of qty of one item, by its group's unit: the
// number running all month for hourly prices, GB, or requests. A region,
// group or item the table lacks is a *MissingPrice.
func (t *Table) Charge(region, group, item string, qty float64) (float64, error) {
	missing := &MissingPrice{Region: region, Group: group, Item: item, Date: t.Date}
	groups, ok := t.Regions[region]
	if !ok {
		missing.Lacks, missing.Has = "region", sortedKeys(t.Regions)
		return 0, missing
	}
	g, ok := groups[group]
	if !ok {
		missing.Lacks = "group"
		return 0, missing
	}
	p, ok := g.Items[item]
	if !ok {
		missing.Lacks, missing.Has = "item", sortedKeys(g.Items)
		return 0, missing
	}
	return units[g.Unit](t, p, qty), nil
}

// MissingPrice is a figure the price table lacks, and what it lacks: the
// whole region, the group in the region, or only the item.
type MissingPrice struct {
	Region, Group, Item string
	Lacks               string   // "region", "group" or "item"
	Date                string   // the table's
	Has                 []string // the regions, or the group's items, it has instead
}

func (m *MissingPrice) Error() string {
	switch m.Lacks {
	case "region":
		return fmt.Sprintf("%s: region %s is not in the price table of %s (it has %s)", m.Figure(), m.Region, m.Date, strings.Join(m.Has, ", "))
	case "group":
		return fmt.Sprintf("%s is not priced: the price table of %s has no %s in %s", m.Figure(), m.Date, m.Group, m.Region)
	}
	return fmt.Sprintf("%s is not priced (price table of %s; its %s in %s has %s)", m.Figure(), m.Date, m.Group, m.Region, strings.Join(m.Has, ", "))
}

// Figure names the missing price: "rds.postgres.singleAZ db.t4g.medium in
// eu-west-1".
func (m *MissingPrice) Figure() string { return m.Group + " " + m.Item + " in " + m.Region }

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
