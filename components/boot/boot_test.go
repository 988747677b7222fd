package boot

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Every variant of the user data passes shellcheck: the script runs once, on
// a host nobody watches, so a typo would surface only as a dead instance.
func TestScriptsPassShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Fatal("shellcheck is not installed (apt-get install shellcheck; scripts/test-services.sh does)")
	}
	dir := t.TempDir()
	for _, o := range []Options{
		{Role: "web", Region: "us-east-1", ParamPath: "/scalezero/dev/", LocalData: true, ServePort80: true},
		{Role: "web", Region: "us-east-1", ParamPath: "/scalezero/dev/", ServePort80: true},
		{Role: "web", Region: "eu-west-1", ParamPath: "/scalezero/dev/"},
		{Role: "worker", Region: "us-east-1", ParamPath: "/scalezero/dev/"},
	} {
		s, err := Script(o)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "user-data.sh")
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("shellcheck", "--shell=bash", path).CombinedOutput(); err != nil {
			t.Errorf("%+v:\n%s", o, out)
		}
	}
}

func TestOptionsAreValidated(t *testing.T) {
	for _, o := range []Options{
		{Role: "db", Region: "us-east-1", ParamPath: "/a/"},
		{Role: "web", ParamPath: "/a/"},
		{Role: "web", Region: "us-east-1", ParamPath: "a"},
	} {
		if _, err := Script(o); err == nil || !strings.Contains(err.Error(), "allowed") {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
