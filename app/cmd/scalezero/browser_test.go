package main_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser opens a headless Chromium (Debian's, which scripts/test-services.sh
// installs) for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("no chromium on PATH (%v); start the test servers with `scripts/test-services.sh` (make test does)", err)
	}
	profile, err := os.MkdirTemp("", "scalezero-chromium")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		// Chromium's helpers may still write there for a moment.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return ctx
}

// The demo page, driven as a user would: sign up with the form, upload a
// picture, and see the avatar the worker made appear on the page.
func TestThePageSignsUpAndShowsTheAvatarTheWorkerMade(t *testing.T) {
	env := jobEnv(t)
	web := start(t, env...)
	startCommand(t, "worker", env...)
	pic := filepath.Join(t.TempDir(), "me.png")
	if err := os.WriteFile(pic, photo(t), 0o644); err != nil {
		t.Fatal(err)
	}
	tab := browser(t)
	// The first action starts the browser, whose life is that context's:
	// only later steps get a deadline.
	if err := chromedp.Do(tab, chromedp.Navigate(web.url+"/")); err != nil {
		t.Fatalf("open the page: %v", err)
	}
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	defer cancel()
	status := func() string {
		s, _ := chromedp.Run(ctx, chromedp.Text(`#status`))
		return s
	}
	waitFor := func(what, predicate string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("%s: %v (status %q)\nweb:\n%s", what, err, status(), web.logs)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(`#signup input[name=email]`, "ada@example.com"),
		chromedp.SendKeys(`#signup input[name=display_name]`, "Ada"),
		chromedp.SendKeys(`#signup input[name=password]`, "correct horse 1"),
		chromedp.Click(`#signup button`),
	); err != nil {
		t.Fatalf("sign up: %v", err)
	}
	waitFor("signed up", `document.getElementById("status").textContent.startsWith("201")`)
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(`#avatar input[name=picture]`, []string{pic}),
		chromedp.Click(`#avatar button`),
	); err != nil {
		t.Fatalf("upload: %v", err)
	}
	waitFor("the avatar shown", `(() => { const i = document.getElementById("avatar-img"); return !i.hidden && i.complete && i.naturalWidth > 0; })()`)
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.getElementById("avatar-img").naturalWidth`))
	if err != nil {
		t.Fatal(err)
	}
	src, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("avatar-img").getAttribute("src")`))
	if err != nil {
		t.Fatal(err)
	}
	if width != 128 || !strings.HasPrefix(src, "/api/jobs/") || !strings.Contains(status(), `"state":"done"`) {
		t.Fatalf("avatar %dpx from %q, status %q", width, src, status())
	}
}
