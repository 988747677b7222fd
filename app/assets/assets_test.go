package assets

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func TestNamesCarryTheContentHash(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 2 {
		t.Fatalf("%d assets", len(all))
	}
	for _, a := range all {
		sum := sha256.Sum256(a.Body)
		ext := a.Name[strings.LastIndex(a.Name, "."):]
		want := strings.TrimSuffix(a.Name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		if a.Hashed != want || a.Key() != "static/"+want {
			t.Errorf("%s: hashed %s, want %s", a.Name, a.Hashed, want)
		}
		if a.ContentType == "application/octet-stream" {
			t.Errorf("%s: no content type", a.Name)
		}
	}
}
