package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// graphFile unpacks a phase of the head graphs cmd/review's tests use
// (`make plan` output at commit ac0e043).
func graphFile(t *testing.T, phase string) string {
	t.Helper()
	in, err := os.Open(filepath.Join("..", "review", "testdata", "head-b009e54", "phase-"+phase+".json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "phase-"+phase+".json")
	if err := os.WriteFile(out, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// The phases' table says which year it prices; a ceiling under phase 9
// fails the command with the budget message under the table.
func TestYearAndBudget(t *testing.T) {
	p8, p9 := graphFile(t, "8"), graphFile(t, "9")
	budget := filepath.Join(t.TempDir(), "budget.yaml")
	os.WriteFile(budget, []byte("phases:\n  9: 900\n"), 0o644)
	var out bytes.Buffer
	err := run([]string{"-year", "2", "-budget", budget, p8, p9}, &out)
	if err == nil || !strings.HasPrefix(err.Error(), "phase 9: $") || !strings.Contains(err.Error(), "over its budget of $900.00") {
		t.Fatalf("got %v, want phase 9 over its budget", err)
	}
	for _, want := range []string{"in year 2 of the stack", "bills 2 key-month(s)", "**Over budget**:\n\n- phase 9: $"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if err := run([]string{"-year", "0", p9}, io.Discard); err == nil || !strings.Contains(err.Error(), "-year 0: allowed 1") {
		t.Errorf("-year 0: got %v", err)
	}
	if err := run([]string{"-budget", budget, p8}, io.Discard); err != nil {
		t.Errorf("phase 8 has no ceiling: %v", err)
	}
}
