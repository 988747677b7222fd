// Package golden keeps the reviewed files tests compare their output with:
// transitions, dashboards, cost tables, pictures. With -update a test
// rewrites its file first, and the diff shows the change for review.
package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// Read returns the reviewed content of path. With update, got is written
// there first (its directory made), so the comparison that follows passes
// and the file's diff shows what changed. A failure to write is fatal; a
// failure to read is returned for the caller's message.
func Read(t testing.TB, path, got string, update bool) (string, error) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	return string(want), err
}
