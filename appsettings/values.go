package appsettings

import (
	"encoding/json"
	"errors"
	"strings"
)

// Shard is one entry of the shard map (DatabaseShards): the shard's id, its
// writer and its readers, each a host name or a full postgres:// URL.
type Shard struct {
	ID      int      `json:"id"`
	Writer  string   `json:"writer"`
	Readers []string `json:"readers"`
}

// ShardsAllowed says what DecodeShards accepts, for the error that names
// the setting.
const ShardsAllowed = `a JSON list of {"id":N,"writer":"host or URL","readers":[...]}, ids 0 to N-1 each once, at least 2`

var errShards = errors.New(ShardsAllowed)

// EncodeShards is the shard map as hosts receive it, in the order given.
func EncodeShards(shards []Shard) (string, error) {
	out, err := json.Marshal(shards)
	return string(out), err
}

// DecodeShards reads a shard map and returns its shards by id; an empty
// value is no shards (phases 1-8).
func DecodeShards(raw string) ([]Shard, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var entries []struct {
		ID      *int     `json:"id"`
		Writer  string   `json:"writer"`
		Readers []string `json:"readers"`
	}
	if err := json.Unmarshal([]byte(raw), &entries); err != nil || len(entries) < 2 {
		return nil, errShards
	}
	out := make([]Shard, len(entries))
	seen := map[int]bool{}
	for _, e := range entries {
		if e.ID == nil || *e.ID < 0 || *e.ID >= len(entries) || seen[*e.ID] || e.Writer == "" {
			return nil, errShards
		}
		seen[*e.ID] = true
		out[*e.ID] = Shard{ID: *e.ID, Writer: e.Writer, Readers: e.Readers}
	}
	return out, nil
}

// Bucket is one region's jobs bucket, an entry of JobsBuckets.
type Bucket struct {
	Region string
	Name   string
}

// EncodeBuckets is JobsBuckets as hosts receive it: "region=bucket,...",
// the primary region's first.
func EncodeBuckets(buckets []Bucket) string {
	parts := make([]string, len(buckets))
	for i, b := range buckets {
		parts[i] = b.Region + "=" + b.Name
	}
	return strings.Join(parts, ",")
}

// DecodeBuckets reads JobsBuckets: each region once, with a region and a
// name that hold no space or slash. The caller checks its own region's
// entry.
func DecodeBuckets(raw string) ([]Bucket, error) {
	var out []Bucket
	seen := map[string]bool{}
	for _, pair := range strings.Split(raw, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		region, name, ok := strings.Cut(pair, "=")
		region, name = strings.TrimSpace(region), strings.TrimSpace(name)
		if !ok || region == "" || name == "" || strings.ContainsAny(region+name, " /") || seen[region] {
			return nil, errors.New("region=bucket pairs separated by commas, the primary region's first, each region once")
		}
		seen[region] = true
		out = append(out, Bucket{Region: region, Name: name})
	}
	return out, nil
}
