package main_test

import (
	"bytes"
	byteorder "encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/app/internal/testenv"
)

// jobEnv is phase 8's settings: the app on PostgreSQL, with the job queue and
// bucket on the SQS/S3 emulator.
func jobEnv(t *testing.T) []string {
	tier := testenv.AWS(t, 3, 30)
	env := append(appEnv(t, false, ""),
		"SCALEZERO_QUEUE_URL="+tier.QueueURL,
		"SCALEZERO_JOBS_BUCKET="+tier.Bucket,
		"SCALEZERO_AWS_ENDPOINT="+tier.Endpoint,
		"SCALEZERO_WORKER_WAIT=1s",
	)
	for k, v := range testenv.AWSCredentials {
		env = append(env, k+"="+v)
	}
	return env
}

func upload(t *testing.T, url, contentType string, body []byte, cookie string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	res, text := send(t, req, cookie)
	return res.StatusCode, text, res.Header
}

func signup(t *testing.T, base, email string) string {
	t.Helper()
	code, body, cookies := call(t, "POST", base+"/api/signup", `{"email":"`+email+`","password":"correct horse 1","display_name":"Ada"}`, "")
	if code != 201 {
		t.Fatalf("signup: %d %s", code, body)
	}
	return sessionCookie(t, cookies)
}

func photo(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for x := range 640 {
		img.Set(x, x%480, color.RGBA{255, 0, 0, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The chapter's phase 8: the web tier takes the upload and answers at once,
// the worker process makes the avatar, the owner polls and downloads it.
func TestAnUploadBecomesAnAvatarThroughTheQueueAndTheWorker(t *testing.T) {
	env := jobEnv(t)
	web := start(t, env...)
	worker := startCommand(t, "worker", env...)
	cookie := signup(t, web.url, "ada@example.com")

	code, body, hdr := upload(t, web.url+"/api/me/avatar", "image/png", photo(t), cookie)
	if code != 202 || hdr.Get("Location") == "" {
		t.Fatalf("upload: %d %s", code, body)
	}
	job := waitDone(t, web, worker, hdr.Get("Location"), cookie)
	req, _ := http.NewRequest("GET", web.url+job.OutputURL, nil)
	res, out := send(t, req, cookie)
	img, err := png.Decode(strings.NewReader(out))
	if res.StatusCode != 200 || err != nil || img.Bounds().Dx() != 128 || img.Bounds().Dy() != 128 {
		t.Fatalf("output: %d, %v, %v", res.StatusCode, err, img)
	}

	// Another user sees neither the job nor its output.
	other := signup(t, web.url, "bob@example.com")
	for _, path := range []string{hdr.Get("Location"), job.OutputURL} {
		if code, body, _ := call(t, "GET", web.url+path, "", other); code != 404 {
			t.Errorf("someone else's %s: %d %s, want 404", path, code, body)
		}
	}
	// The worker reports its work, and stops on SIGTERM once idle.
	_, metrics, _ := call(t, "GET", worker.url+"/metrics", "", "")
	if !strings.Contains(metrics, `scalezero_jobs_total{kind="avatar",outcome="done"} 1`) {
		t.Errorf("worker metrics lack the done job:\n%s", metrics)
	}
	terminate(t, worker)
}

func TestBadUploadsAreRefusedAndQueueNothing(t *testing.T) {
	env := jobEnv(t)
	web := start(t, append(env, "SCALEZERO_JOBS_MAX_UPLOAD_BYTES=2048")...)
	cookie := signup(t, web.url, "ada@example.com")
	var tiny bytes.Buffer
	png.Encode(&tiny, image.NewGray(image.Rect(0, 0, 4, 4)))
	small := tiny.Bytes()
	cases := []struct {
		name, contentType string
		body              []byte
		cookie            string
		code              int
		says              string
	}{
		{"no session", "image/png", small, "", 401, ""},
		{"not a picture type", "text/plain", small, cookie, 415, "allowed image/png"},
		{"not a picture", "image/png", []byte("hello"), cookie, 400, "not a PNG, JPEG or GIF"},
		{"too large", "image/png", bytes.Repeat([]byte{1}, 4096), cookie, 413, "larger than 2048 bytes"},
		{"a bomb", "image/png", bomb(t), cookie, 400, "allowed at most"},
	}
	for _, c := range cases {
		code, body, _ := upload(t, web.url+"/api/me/avatar", c.contentType, c.body, c.cookie)
		if code != c.code || !strings.Contains(body, c.says) || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s, want %d saying %q", c.name, code, body, c.code, c.says)
		}
	}
	if code, body, _ := call(t, "GET", web.url+"/api/jobs/not-a-uuid", "", cookie); code != 404 {
		t.Errorf("unknown job: %d %s", code, body)
	}
	var n int
	if err := testenv.Conn(t, envValue(env, "SCALEZERO_DATABASE_URL")).QueryRow(t.Context(), "SELECT count(*) FROM jobs").Scan(&n); err != nil || n != 0 {
		t.Errorf("jobs recorded: %d (%v), want 0", n, err)
	}
}

// bomb is a small PNG that declares a huge picture: only its header is read.
func bomb(t *testing.T) []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)))
	raw := b.Bytes()
	// IHDR's width and height are bytes 16-23, its CRC (over type and
	// data, bytes 12-28) bytes 29-32: 10000 x 10000 pixels.
	copy(raw[16:24], []byte{0, 0, 0x27, 0x10, 0, 0, 0x27, 0x10})
	byteorder.BigEndian.PutUint32(raw[29:33], crc32.ChecksumIEEE(raw[12:29]))
	return raw
}

func envValue(env []string, key string) string {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, key+"="); ok {
			return v
		}
	}
	return ""
}

func TestWithoutTheJobTierUploadsSayWhy(t *testing.T) {
	web := start(t, appEnv(t, false, "")...)
	cookie := signup(t, web.url, "ada@example.com")
	code, body, _ := upload(t, web.url+"/api/me/avatar", "image/png", photo(t), cookie)
	if code != 404 || !strings.Contains(body, "queue.url") {
		t.Fatalf("upload before phase 8: %d %s", code, body)
	}
}

func TestTheWorkerRefusesToStartWithoutAQueue(t *testing.T) {
	writer, _ := testenv.Database(t)
	cmd := exec.Command(build(t), "worker")
	cmd.Env = append(os.Environ(), "SCALEZERO_DATABASE_URL="+writer)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "SCALEZERO_QUEUE_URL") {
		t.Fatalf("want a failure naming the queue setting, got %v: %s", err, out)
	}
}

// With the job tier unreachable an upload gets a 503 that says so, and no job
// is recorded; the rest of the site goes on working.
func TestWithTheJobTierDownUploadsAreRefusedWith503(t *testing.T) {
	env := append(jobEnv(t), "SCALEZERO_AWS_ENDPOINT=http://127.0.0.1:1") // the later setting wins
	web := start(t, env...)
	cookie := signup(t, web.url, "ada@example.com")
	code, body, _ := upload(t, web.url+"/api/me/avatar", "image/png", photo(t), cookie)
	if code != 503 || !strings.Contains(body, "job queue unavailable; try again") {
		t.Fatalf("upload with the job tier down: %d %s", code, body)
	}
	var n int
	if err := testenv.Conn(t, envValue(env, "SCALEZERO_DATABASE_URL")).QueryRow(t.Context(), "SELECT count(*) FROM jobs").Scan(&n); err != nil || n != 0 {
		t.Errorf("jobs recorded: %d (%v), want 0", n, err)
	}
	if code, _, _ := call(t, "GET", web.url+"/api/me", "", cookie); code != 200 {
		t.Errorf("who am I with the job tier down: %d", code)
	}
}
