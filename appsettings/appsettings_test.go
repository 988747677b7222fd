package appsettings_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/appsettings"
)

func TestEnvNames(t *testing.T) {
	for key, want := range map[string]string{
		appsettings.DatabaseHost:        "SCALEZERO_DATABASE_HOST",
		appsettings.DatabaseReaderHosts: "SCALEZERO_DATABASE_READER_HOSTS",
		appsettings.CookieKeys:          "SCALEZERO_COOKIE_KEYS",
		appsettings.ShardSecretARN(1):   "SCALEZERO_SHARD_1_SECRET_ARN",
		appsettings.LocalData:           "SCALEZERO_LOCAL_DATA",
	} {
		if got := appsettings.Env(key); got != want {
			t.Errorf("Env(%q) = %q, want %q", key, got, want)
		}
	}
}

// Every setting this package names is either one the app reads (AppKeys)
// or one of the boot script's: a constant added without a reader fails.
func TestEveryKeyHasAReader(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "appsettings.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	boot := []string{appsettings.Image, appsettings.LocalData}
	stores := []string{appsettings.StoreMemory, appsettings.StoreDynamoDB, appsettings.StoreRedis}
	checked := 0
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Values) != 1 {
			return true
		}
		lit, ok := spec.Values[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		v, _ := strconv.Unquote(lit.Value)
		if spec.Names[0].Name == "Prefix" || slices.Contains(stores, v) {
			return true
		}
		checked++
		if !slices.Contains(appsettings.AppKeys, v) && !slices.Contains(boot, v) {
			t.Errorf("%s (%q) is neither in AppKeys nor a boot script setting", spec.Names[0].Name, v)
		}
		return true
	})
	if checked < len(appsettings.AppKeys) {
		t.Fatalf("read %d settings from appsettings.go, fewer than AppKeys' %d", checked, len(appsettings.AppKeys))
	}
}

func TestShardMapRoundTrip(t *testing.T) {
	in := []appsettings.Shard{{ID: 0, Writer: "a", Readers: []string{"a-r"}}, {ID: 1, Writer: "b", Readers: []string{}}}
	raw, err := appsettings.EncodeShards(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"id":0,"writer":"a","readers":["a-r"]},{"id":1,"writer":"b","readers":[]}]`; raw != want {
		t.Fatalf("EncodeShards = %s, want %s", raw, want)
	}
	out, err := appsettings.DecodeShards(raw)
	if err != nil || len(out) != 2 || out[1].Writer != "b" || out[0].Readers[0] != "a-r" {
		t.Fatalf("DecodeShards(%s) = %+v, %v", raw, out, err)
	}
	// Entries come back by id, whatever their order.
	out, err = appsettings.DecodeShards(`[{"id":1,"writer":"b"},{"id":0,"writer":"a"}]`)
	if err != nil || out[0].Writer != "a" || out[1].Writer != "b" {
		t.Fatalf("out of order: %+v, %v", out, err)
	}
}

func TestShardMapRefusals(t *testing.T) {
	for name, raw := range map[string]string{
		"not JSON":      `{`,
		"one shard":     `[{"id":0,"writer":"a"}]`,
		"no id":         `[{"writer":"a"},{"id":1,"writer":"b"}]`,
		"id twice":      `[{"id":0,"writer":"a"},{"id":0,"writer":"b"}]`,
		"id past N-1":   `[{"id":0,"writer":"a"},{"id":2,"writer":"b"}]`,
		"no writer":     `[{"id":0,"writer":"a"},{"id":1}]`,
		"negative id":   `[{"id":-1,"writer":"a"},{"id":1,"writer":"b"}]`,
		"a list of ids": `[0,1]`,
	} {
		if _, err := appsettings.DecodeShards(raw); err == nil || err.Error() != appsettings.ShardsAllowed {
			t.Errorf("%s: DecodeShards(%s) err = %v, want %q", name, raw, err, appsettings.ShardsAllowed)
		}
	}
	if out, err := appsettings.DecodeShards("  "); out != nil || err != nil {
		t.Errorf("empty map: %v, %v; want no shards", out, err)
	}
}

func TestBuckets(t *testing.T) {
	in := []appsettings.Bucket{{Region: "us-east-1", Name: "jobs-a"}, {Region: "eu-west-1", Name: "jobs-b"}}
	raw := appsettings.EncodeBuckets(in)
	if raw != "us-east-1=jobs-a,eu-west-1=jobs-b" {
		t.Fatalf("EncodeBuckets = %q", raw)
	}
	out, err := appsettings.DecodeBuckets(" " + strings.ReplaceAll(raw, ",", " , ") + ",")
	if err != nil || !slices.Equal(out, in) {
		t.Fatalf("DecodeBuckets(%q) = %+v, %v", raw, out, err)
	}
	for _, bad := range []string{"us-east-1", "=b", "us-east-1=", "us-east-1=a,us-east-1=b", "us-east-1=a/b", "us east=a"} {
		if _, err := appsettings.DecodeBuckets(bad); err == nil {
			t.Errorf("DecodeBuckets(%q) accepted", bad)
		}
	}
}
