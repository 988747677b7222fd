package cost

import (
	"math"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// Every Valkey node price is 0.8x the Redis OSS price of the same node type
// and region in the dated table, and no Redis OSS item lacks one.
func TestValkeyItemsAreFourFifthsOfRedis(t *testing.T) {
	table, _ := defaults(t)
	checked := 0
	for region, groups := range table.Regions {
		redis, valkey := groups["elasticache"], groups["elasticache.valkey"]
		for node, p := range redis.Items {
			v, ok := valkey.Items[node]
			if !ok {
				t.Errorf("%s: no Valkey price for %s", region, node)
				continue
			}
			if math.Abs(v-0.8*p) > 1e-9 {
				t.Errorf("%s %s: Valkey %g, 0.8 x Redis OSS %g is %g", region, node, v, p, 0.8*p)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no ElastiCache prices in the table")
	}
}

// cacheEngine=valkey through the real program: phase 7's caches (one per
// region) cost exactly their nodes' Valkey/Redis difference less, and the
// line says Valkey.
func TestValkeyEngineIsPricedPerNode(t *testing.T) {
	table, use := defaults(t)
	redis, valkey := stackGraph(t, 7, domain), stackGraph(t, 7, domain, "cacheEngine=valkey")
	want := 0.0
	nodes := 0
	for _, r := range valkey.Resources {
		if r.Type != "aws:elasticache/replicationGroup:ReplicationGroup" {
			continue
		}
		if r.Inputs["engine"] != "valkey" {
			t.Fatalf("%s: engine %v, want valkey", r.Name, r.Inputs["engine"])
		}
		p := &pricer{byURN: map[string]*graph.Resource{}, regions: map[string]string{}}
		for i := range valkey.Resources {
			if region, ok := valkey.Resources[i].Inputs["region"].(string); ok && strings.HasPrefix(valkey.Resources[i].Type, "pulumi:providers:") {
				p.regions[valkey.Resources[i].URN] = region
			}
		}
		region := p.regions[r.Provider]
		node, n := r.Inputs["nodeType"].(string), r.Inputs["numCacheClusters"].(float64)
		want += n * table.HoursPerMonth * (item(t, table, region, "elasticache.valkey", node) - item(t, table, region, "elasticache", node))
		nodes++
	}
	if nodes < 2 {
		t.Fatalf("phase 7 has %d caches; expected one per region", nodes)
	}
	got := total(t, valkey, table, use) - total(t, redis, table, use)
	if math.Abs(got-want) > 1e-9 || got >= 0 {
		t.Errorf("Valkey moves phase 7 by %.4f, the table says %.4f", got, want)
	}
	est, _ := Compute(valkey, table, use)
	if !strings.Contains(est.Markdown(), "Valkey |") {
		t.Error("the cost lines do not say the nodes are Valkey")
	}
}

// A rotated key bills 1, 2, then 3 key-months from its third year (two
// rotations retained, no more charged); an unrotated key 1 every year; a
// 180-day rotation reaches its first extra key-month halfway through year 1.
func TestKMSRotationByYear(t *testing.T) {
	table, use := defaults(t)
	key := item(t, table, "us-east-1", "kms", "key")
	g := stackGraph(t, 2, domain)
	k := resource(t, g, "aws:kms/key:Key", "observability-alarms")
	if k.Inputs["enableKeyRotation"] != true {
		t.Fatalf("the alarms topic key does not rotate: %v", k.Inputs["enableKeyRotation"])
	}
	price := func(g *graph.Graph, year int) float64 {
		u := *use
		u.Year = year
		est, err := Compute(g, table, &u)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range est.Lines {
			if l.Type == "aws:kms/key:Key" && l.Name == "observability-alarms" {
				return l.Monthly
			}
		}
		t.Fatal("no line for the alarms key")
		return 0
	}
	for year, months := range map[int]float64{1: 1, 2: 2, 3: 3, 4: 3} {
		if got := price(g, year); math.Abs(got-months*key) > 1e-9 {
			t.Errorf("year %d: the rotated key costs %.2f, want %g x %.2f", year, got, months, key)
		}
	}
	k.Inputs["rotationPeriodInDays"] = 180.0
	if got := price(g, 1); math.Abs(got-1.5*key) > 1e-9 {
		t.Errorf("a 180-day rotation in year 1 costs %.2f, want 1.5 x %.2f", got, key)
	}
	k.Inputs["enableKeyRotation"] = false
	for year := 1; year <= 3; year++ {
		if got := price(g, year); math.Abs(got-key) > 1e-9 {
			t.Errorf("year %d: an unrotated key costs %.2f, want %.2f", year, got, key)
		}
	}
}
