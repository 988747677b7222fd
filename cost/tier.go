package cost

import (
	"strings"

	"github.com/scalezero/scalezero/graph"
)

// tiers names the chapter's tiers by the package of the outermost component
// a resource sits in (docker stand-ins by their component type), in the
// order the chapter adds them.
var tiers = []struct{ id, label string }{
	{"network", "network"},
	{"server", "server"},
	{"database", "database"},
	{"web", "web tier"},
	{"cache", "cache"},
	{"cdn", "CDN"},
	{"sessions", "sessions"},
	{"dns", "DNS"},
	{"queue", "queue/workers"},
	{"shards", "shards"},
	{"observability", "observability"},
	{"image", "app image"},
	{"config", "app config"},
	{"iam", "IAM"},
	{"stack", "stack"},
}

var tierOfPackage = map[string]string{
	"network": "network", "singleserver": "server", "database": "database",
	"webtier": "web", "fleet": "web", "cache": "cache", "cdn": "cdn", "sessions": "sessions",
	"dns": "dns", "certificate": "dns", "queue": "queue", "worker": "queue",
	"logs": "observability", "observability": "observability", "monitoring": "observability",
	"alarms": "observability", "dashboard": "observability",
	"image": "image", "appconfig": "config", "role": "iam",
	// docker target stand-ins (scalezero:containers:<Type>)
	"Postgres": "database", "Replica": "database", "Redis": "cache",
	"LoadBalancer": "web", "AppFleet": "web", "CDN": "cdn", "JobTier": "queue",
}

// tierID is the tier a resource belongs to: its outermost component's,
// "shards" for a shard database, "stack" when it sits in no component.
func (p *pricer) tierID(r *graph.Resource) string {
	var outer *graph.Resource
	for parent := p.byURN[r.Parent]; parent != nil; parent = p.byURN[parent.Parent] {
		if strings.HasPrefix(parent.Type, "scalezero:") {
			outer = parent
		}
	}
	if outer == nil {
		return "stack"
	}
	parts := strings.Split(outer.Type, ":") // scalezero:<package>:<Type>
	pkg := parts[1]
	if pkg == "containers" {
		pkg = parts[2]
	}
	id, ok := tierOfPackage[pkg]
	if !ok {
		return pkg
	}
	if id == "database" && strings.HasPrefix(outer.Name, "shard-") {
		return "shards"
	}
	return id
}

func (p *pricer) tier(r *graph.Resource) string {
	id := p.tierID(r)
	for _, t := range tiers {
		if t.id == id {
			return t.label
		}
	}
	return id
}

// tierRank orders tiers by label as the chapter adds them; others last.
func tierRank(label string) int {
	for i, t := range tiers {
		if t.label == label {
			return i
		}
	}
	return len(tiers)
}
