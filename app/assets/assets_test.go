package assets

import (
	"testing"
)

// The digests below are SHA-256's published test values ("abc": FIPS 180-2)
// and that of the empty input, so the name is checked against SHA-256
// itself, not against this package's own formula.
func TestHashedName(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"app.css", "abc", "app.ba7816bf.css"},
		{"app.js", "", "app.e3b0c442.js"},
		{"vendor.min.js", "abc", "vendor.min.ba7816bf.js"},
		{"LICENSE", "abc", "LICENSE.ba7816bf"},
	} {
		if got := HashedName(c.name, []byte(c.body)); got != c.want {
			t.Errorf("HashedName(%q, %q) = %q, want %q", c.name, c.body, got, c.want)
		}
	}
}

func TestEveryAssetIsNamedByItsContent(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 2 {
		t.Fatalf("%d assets", len(all))
	}
	for _, a := range all {
		if a.Hashed != HashedName(a.Name, a.Body) || a.Key() != "static/"+a.Hashed {
			t.Errorf("%s: hashed %s, key %s", a.Name, a.Hashed, a.Key())
		}
		if a.ContentType == "application/octet-stream" {
			t.Errorf("%s: no content type", a.Name)
		}
	}
}
