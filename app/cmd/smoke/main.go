// Command smoke checks a running site the way a user would, through its
// front door: it signs up, logs in with a new session, reads and updates the
// profile, and from phase 8 uploads a picture and waits until the worker has
// made it an avatar. Each step prints one line; the first failure ends the
// run with exit status 1.
//
//	go run ./app/cmd/smoke -url http://127.0.0.1:8080 -phase 8
//
// The end-to-end run of the docker target (make e2e-docker) runs it after
// every step; the app's tests run it against the app on the test servers.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("smoke", flag.ContinueOnError)
	base := fs.String("url", "", "the site's front door, such as http://127.0.0.1:8080")
	phase := fs.Int("phase", 1, "the phase the site runs, 1 to 9 (from 8 the avatar job is checked too)")
	timeout := fs.Duration("timeout", 60*time.Second, "how long the whole check may take")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case !strings.HasPrefix(*base, "http://") && !strings.HasPrefix(*base, "https://"):
		return fmt.Errorf("-url %q: allowed an http(s) URL such as http://127.0.0.1:8080", *base)
	case *phase < 1 || *phase > 9:
		return fmt.Errorf("-phase %d: allowed 1 to 9", *phase)
	case *timeout <= 0:
		return fmt.Errorf("-timeout %s: allowed a positive duration", *timeout)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	s := &smoke{base: strings.TrimSuffix(*base, "/"), ctx: ctx, email: fmt.Sprintf("smoke-%d@example.com", time.Now().UnixNano())}
	steps := []struct {
		name string
		do   func() error
	}{
		{"page", s.page},
		{"sign up", s.signup},
		{"log in", s.login},
		{"read profile", s.readProfile},
		{"update profile", s.updateProfile},
	}
	if *phase >= 8 {
		steps = append(steps, struct {
			name string
			do   func() error
		}{"upload becomes an avatar", s.avatar})
	}
	for _, st := range steps {
		start := time.Now()
		if err := st.do(); err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
		fmt.Fprintf(out, "ok %-26s %s\n", st.name, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// password is the smoke user's; the account is new on every run.
const password = "smoke test password 1"

type smoke struct {
	base   string
	ctx    context.Context
	email  string
	client *http.Client // with the logged-in session
}

// newClient has a cookie jar of its own: a new browser.
func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 15 * time.Second}
}

// call sends one request and checks its status; it returns the body.
func (s *smoke) call(c *http.Client, method, path, contentType string, body []byte, want int) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(s.ctx, method, s.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != want {
		return nil, nil, fmt.Errorf("%s %s: %s, want %d: %s", method, path, resp.Status, want, strings.TrimSpace(string(text)))
	}
	return text, resp.Header, nil
}

func (s *smoke) json(c *http.Client, method, path string, in any, want int, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if in == nil {
		body = nil
	}
	text, _, err := s.call(c, method, path, "application/json", body, want)
	if err != nil || out == nil {
		return err
	}
	if err := json.Unmarshal(text, out); err != nil {
		return fmt.Errorf("%s %s: %w: %s", method, path, err, text)
	}
	return nil
}

func (s *smoke) page() error {
	text, _, err := s.call(newClient(), "GET", "/", "", nil, http.StatusOK)
	if err == nil && !bytes.Contains(text, []byte("<html")) {
		err = errors.New("GET /: not the app's page")
	}
	return err
}

func (s *smoke) signup() error {
	var u struct{ Email string }
	err := s.json(newClient(), "POST", "/api/signup", map[string]string{"email": s.email, "password": password, "display_name": "Smoke"}, http.StatusCreated, &u)
	if err == nil && u.Email != s.email {
		err = fmt.Errorf("signed up as %q, want %q", u.Email, s.email)
	}
	return err
}

// login starts a session in a new client: what follows runs on it.
func (s *smoke) login() error {
	s.client = newClient()
	return s.json(s.client, "POST", "/api/login", map[string]string{"email": s.email, "password": password}, http.StatusOK, nil)
}

type profile struct {
	Email       string `json:"email"`
	DisplayName string `json:"display_name"`
	Bio         string `json:"bio"`
}

func (s *smoke) readProfile() error {
	var p profile
	err := s.json(s.client, "GET", "/api/me", nil, http.StatusOK, &p)
	if err == nil && (p.Email != s.email || p.DisplayName != "Smoke") {
		err = fmt.Errorf("GET /api/me: %+v, want %s as Smoke", p, s.email)
	}
	return err
}

// updateProfile changes the bio and reads it back: the app's own writes
// read back from phase 4's replicas too.
func (s *smoke) updateProfile() error {
	bio := "updated at " + time.Now().UTC().Format(time.RFC3339Nano)
	if err := s.json(s.client, "PUT", "/api/me", map[string]string{"bio": bio}, http.StatusOK, nil); err != nil {
		return err
	}
	var p profile
	err := s.json(s.client, "GET", "/api/me", nil, http.StatusOK, &p)
	if err == nil && p.Bio != bio {
		err = fmt.Errorf("the bio reads %q after the update, want %q", p.Bio, bio)
	}
	return err
}

// avatar uploads a picture, polls its job until the worker is done, and
// reads the avatar it made.
func (s *smoke) avatar() error {
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for x := range 320 {
		img.Set(x, x%240, color.RGBA{200, 30, 30, 255})
	}
	var pic bytes.Buffer
	if err := png.Encode(&pic, img); err != nil {
		return err
	}
	_, hdr, err := s.call(s.client, "POST", "/api/me/avatar", "image/png", pic.Bytes(), http.StatusAccepted)
	if err != nil {
		return err
	}
	loc := hdr.Get("Location")
	if loc == "" {
		return errors.New("the upload's answer has no Location")
	}
	var job struct {
		State     string `json:"state"`
		Error     string `json:"error"`
		OutputURL string `json:"output_url"`
	}
	for job.State != "done" {
		if job.State == "failed" {
			return fmt.Errorf("the job failed: %s", job.Error)
		}
		select {
		case <-s.ctx.Done():
			return fmt.Errorf("the job is still %q: %w", job.State, s.ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
		if err := s.json(s.client, "GET", loc, nil, http.StatusOK, &job); err != nil {
			return err
		}
	}
	out, hdr, err := s.call(s.client, "GET", job.OutputURL, "", nil, http.StatusOK)
	if err != nil {
		return err
	}
	avatar, _, err := image.Decode(bytes.NewReader(out))
	if err != nil {
		return fmt.Errorf("the avatar (%s): %w", hdr.Get("Content-Type"), err)
	}
	if b := avatar.Bounds(); b.Dx() != b.Dy() || b.Dx() > 320 {
		return fmt.Errorf("the avatar is %dx%d, want a square smaller than the upload", b.Dx(), b.Dy())
	}
	return nil
}
