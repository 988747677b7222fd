package main_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// smoke builds the smoke command (app/cmd/smoke) and runs it on url.
func smoke(t *testing.T, url string, phase string) (string, error) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "smoke")
	if out, err := exec.Command("go", "build", "-o", bin, "../smoke").CombinedOutput(); err != nil {
		t.Fatalf("build the smoke command: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "-url", url, "-phase", phase, "-timeout", "45s").CombinedOutput()
	return string(out), err
}

// The smoke command the end-to-end run uses passes against the app on the
// test servers: phase 4's (writer and replica) and phase 8's, whose upload
// the worker makes an avatar. It fails where a step cannot pass: phase 8's
// check on an app without the job tier.
func TestTheSmokeCommandPassesAgainstTheApp(t *testing.T) {
	web := start(t, appEnv(t, false, "")...)
	out, err := smoke(t, web.url, "4")
	if err != nil || !strings.Contains(out, "ok update profile") || strings.Contains(out, "avatar") {
		t.Errorf("phase 4: %v\n%s\napp:\n%s", err, out, web.logs)
	}
	out, err = smoke(t, web.url, "8")
	if err == nil || !strings.Contains(out, "upload becomes an avatar") || !strings.Contains(out, "404") {
		t.Errorf("phase 8's check passed on an app without the job tier: %v\n%s", err, out)
	}

	env := jobEnv(t)
	web8 := start(t, env...)
	worker := startCommand(t, "worker", env...)
	out, err = smoke(t, web8.url, "8")
	if err != nil || !strings.Contains(out, "ok upload becomes an avatar") {
		t.Errorf("phase 8: %v\n%s\nweb:\n%s\nworker:\n%s", err, out, web8.logs, worker.logs)
	}
}
