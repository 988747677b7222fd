package cost

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/scalezero/scalezero/graph"
)

// ReadGraph reads a graph's JSON file.
func ReadGraph(path string) (*graph.Graph, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var g graph.Graph
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &g, nil
}

// Line is one resource's monthly cost, or why it costs nothing.
type Line struct {
	Tier    string
	Region  string
	Type    string
	Name    string
	Detail  string  // what is counted, e.g. "2 × t3.small (desiredCapacity) + 2 × 20 GB gp3"
	Monthly float64 // USD
	Free    string  // the reason a resource costs nothing; "" when priced
}

// Estimate is a phase's monthly on-demand cost.
type Estimate struct {
	Phase int
	Date  string // the price table's
	Lines []Line // priced lines first, by tier and name; then free ones
	Total float64
}

// TierTotals sums the priced lines by tier, in the order tiers first appear.
func (e *Estimate) TierTotals() []TierTotal {
	var out []TierTotal
	index := map[string]int{}
	for _, l := range e.Lines {
		if l.Free != "" {
			continue
		}
		i, ok := index[l.Tier]
		if !ok {
			i = len(out)
			index[l.Tier] = i
			out = append(out, TierTotal{Tier: l.Tier})
		}
		out[i].Monthly += l.Monthly
	}
	return out
}

// TierTotal is one tier's monthly cost.
type TierTotal struct {
	Tier    string
	Monthly float64
}

// Compute prices every custom resource of g. Every resource that cannot be
// priced is reported, all at once, in the error.
func Compute(g *graph.Graph, t *Table, u *Usage) (*Estimate, error) {
	p := pricer{t: t, u: u, byURN: map[string]*graph.Resource{}, regions: map[string]string{}}
	for i := range g.Resources {
		r := &g.Resources[i]
		p.byURN[r.URN] = r
		if strings.HasPrefix(r.Type, "pulumi:providers:") {
			if region, ok := r.Inputs["region"].(string); ok {
				p.regions[r.URN] = region
			}
		}
	}
	est := &Estimate{Phase: g.Phase, Date: t.Date}
	var errs []error
	for i := range g.Resources {
		r := &g.Resources[i]
		if !r.Custom {
			continue // a component: its children are priced
		}
		l, err := p.line(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", r.Type, r.Name, err))
			continue
		}
		est.Lines = append(est.Lines, l)
		est.Total += l.Monthly
	}
	if len(errs) > 0 {
		return nil, &Unpriced{Phase: g.Phase, Errs: errs}
	}
	sort.SliceStable(est.Lines, func(i, j int) bool {
		a, b := est.Lines[i], est.Lines[j]
		if (a.Free == "") != (b.Free == "") {
			return a.Free == ""
		}
		if a.Tier != b.Tier {
			return tierRank(a.Tier) < tierRank(b.Tier)
		}
		return a.Type+a.Name < b.Type+b.Name
	})
	return est, nil
}

type pricer struct {
	t       *Table
	u       *Usage
	byURN   map[string]*graph.Resource
	regions map[string]string // provider URN -> region
}

func (p *pricer) line(r *graph.Resource) (Line, error) {
	l := Line{Tier: p.tier(r), Type: r.Type, Name: r.Name}
	if why := freeReason(r); why != "" {
		l.Free = why
		l.Region = p.regions[r.Provider]
		return l, nil
	}
	price, ok := priced[r.Type]
	if !ok {
		return l, fmt.Errorf("resource type %s is not in the price table's rules (price it in cost/estimate.go or list it as free)", r.Type)
	}
	region, ok := p.regions[r.Provider]
	if !ok {
		return l, fmt.Errorf("no region: its provider %q declares none", r.Provider)
	}
	l.Region = region
	c := &charges{p: p, r: r, region: region}
	price(c)
	if len(c.errs) > 0 {
		return l, resourceErrors(c.errs)
	}
	l.Monthly, l.Detail = c.total, strings.Join(c.parts, " + ")
	return l, nil
}

// resourceErrors is everything wrong with one resource, on one line.
type resourceErrors []error

func (e resourceErrors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e resourceErrors) Unwrap() []error { return e }

// Unpriced is why a phase has no figure: every resource that could not be
// priced, each with its reasons.
type Unpriced struct {
	Phase int
	Errs  []error
}

func (u *Unpriced) Error() string {
	return fmt.Sprintf("phase %d cannot be priced:\n%v", u.Phase, errors.Join(u.Errs...))
}

func (u *Unpriced) Unwrap() []error { return u.Errs }

// Missing is every figure the price table lacks for the phase, once each,
// sorted: what to add to prices.yaml to price it.
func (u *Unpriced) Missing() []string {
	seen := map[string]bool{}
	var walk func(err error)
	walk = func(err error) {
		var m *MissingPrice
		switch e := err.(type) {
		case *MissingPrice:
			m = e
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
		if m != nil {
			seen[m.Figure()] = true
		}
	}
	walk(u)
	return sortedKeys(seen)
}

// charges accumulates the priced parts of one resource.
type charges struct {
	p      *pricer
	r      *graph.Resource
	region string
	total  float64
	parts  []string
	errs   []error
}

// add charges qty of an item in the resource's region (or GlobalRegion).
func (c *charges) add(region, group, item string, qty float64, detail string) {
	v, err := c.p.t.Charge(region, group, item, qty)
	if err != nil {
		c.errs = append(c.errs, err)
		return
	}
	c.total += v
	c.parts = append(c.parts, detail)
}

func (c *charges) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

// str and num read an input; a missing or unknown value is an error, as a
// figure computed from it would be a guess.
func (c *charges) str(r *graph.Resource, key string) string {
	v, ok := r.Inputs[key].(string)
	if !ok || v == "" || v == unknown {
		c.fail("%s: input %s is not known", r.Name, key)
	}
	return v
}

func (c *charges) num(r *graph.Resource, key string) float64 {
	v, ok := r.Inputs[key].(float64)
	if !ok {
		c.fail("%s: input %s is not a known number", r.Name, key)
	}
	return v
}

// unknown is Pulumi's wire value for a value a preview does not know yet.
const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

// dependency is the resource an input was computed from.
func (c *charges) dependency(key, typ string) *graph.Resource {
	for _, urn := range c.r.PropertyDependencies[key] {
		if d, ok := c.p.byURN[urn]; ok && d.Type == typ {
			return d
		}
	}
	c.fail("input %s does not come from a %s in the graph", key, typ)
	return nil
}

func plural(n float64, what string) string { return fmt.Sprintf("%g × %s", n, what) }

// count writes a whole number with thousands separators: 5,000,000.
func count(n float64) string {
	s := strconv.FormatFloat(n, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	for i := len(whole) - 3; i > 0 && whole[i-1] != '-'; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	if frac != "" {
		return whole + "." + frac
	}
	return whole
}
