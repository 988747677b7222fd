package main_test

import (
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/scalezero/scalezero/app/internal/testenv"
)

// regionEnv is one region's hosts' settings from phase 8, as the stack
// publishes them: the shared database and session store, the region's own
// queue and bucket with its region, and every region's bucket. The emulator
// serves every region; each region reaches it through its own proxy, so one
// region's way to its AWS can be cut while the other's works.
func regionEnv(base []string, region string, tier testenv.JobTier, buckets string, aws *testenv.Proxy) []string {
	env := append(append([]string{}, base...),
		"SCALEZERO_REGION="+region,
		"SCALEZERO_QUEUE_URL="+tier.QueueURL,
		"SCALEZERO_JOBS_BUCKET="+tier.Bucket,
		"SCALEZERO_JOBS_REGION="+region,
		"SCALEZERO_JOBS_BUCKETS="+buckets,
		"SCALEZERO_AWS_ENDPOINT=http://"+aws.Addr,
		"SCALEZERO_WORKER_WAIT=1s",
	)
	for k, v := range testenv.AWSCredentials {
		env = append(env, k+"="+v)
	}
	return env
}

type jobState struct {
	ID, State, Error string
	OutputURL        string `json:"output_url"`
}

// submitAndWait uploads a picture through web and polls it until done.
func submitAndWait(t *testing.T, web, worker *proc, cookie string) jobState {
	t.Helper()
	code, body, hdr := upload(t, web.url+"/api/me/avatar", "image/png", photo(t), cookie)
	if code != 202 {
		t.Fatalf("upload: %d %s", code, body)
	}
	return waitDone(t, web, worker, hdr.Get("Location"), cookie)
}

// waitDone polls the job at location (its Location header) until it is
// done, for 30 seconds at most.
func waitDone(t *testing.T, web, worker *proc, location, cookie string) jobState {
	t.Helper()
	var job jobState
	for deadline := time.Now().Add(30 * time.Second); job.State != "done"; {
		if time.Now().After(deadline) {
			t.Fatalf("job still %q (%s)\nworker:\n%s", job.State, job.Error, worker.logs)
		}
		time.Sleep(100 * time.Millisecond)
		code, body, _ := call(t, "GET", web.url+location, "", cookie)
		if code != 200 {
			t.Fatalf("job status: %d %s", code, body)
		}
		json.Unmarshal([]byte(body), &job)
	}
	return job
}

func getOutput(t *testing.T, web *proc, job jobState, cookie string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", web.url+job.OutputURL, nil)
	res, out := send(t, req, cookie)
	return res.StatusCode, out
}

func isAvatar(out string) bool {
	img, err := png.Decode(strings.NewReader(out))
	return err == nil && img.Bounds().Dx() == 128 && img.Bounds().Dy() == 128
}

// hasObject reports whether a bucket on the emulator holds key.
func hasObject(t *testing.T, tier testenv.JobTier, key string) bool {
	t.Helper()
	client := s3.NewFromConfig(tier.Config, func(o *s3.Options) { o.UsePathStyle = true })
	_, err := client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &tier.Bucket, Key: &key})
	var missing *types.NotFound
	if err != nil && !errors.As(err, &missing) {
		t.Fatalf("head %s/%s: %v", tier.Bucket, key, err)
	}
	return err == nil
}

// Each region has its own job tier: a job submitted in one region is made
// there and its output is read from the other region's hosts out of the
// bucket it was submitted to; with one region's AWS cut off, the other
// region's hosts still take and finish jobs, and an output they cannot
// reach answers 503 (try again), never 500.
func TestJobsInEachRegionAndOutputsFromEither(t *testing.T) {
	base := appEnv(t, true, testenv.StartRedis(t).Addr) // one database, sessions shared
	emulator := strings.TrimPrefix(testenv.AWSEndpoint, "http://")
	tierA, tierB := testenv.AWS(t, 3, 30), testenv.AWS(t, 3, 30)
	awsA, awsB := testenv.StartProxy(t, emulator), testenv.StartProxy(t, emulator)
	buckets := "us-east-1=" + tierA.Bucket + ",eu-west-1=" + tierB.Bucket
	envA := regionEnv(base, "us-east-1", tierA, buckets, awsA)
	envB := regionEnv(base, "eu-west-1", tierB, buckets, awsB)
	webA, workerA := start(t, envA...), startCommand(t, "worker", envA...)
	webB, workerB := start(t, envB...), startCommand(t, "worker", envB...)
	cookie := signup(t, webA.url, "ada@example.com")

	jobA := submitAndWait(t, webA, workerA, cookie)
	key := "jobs/" + jobA.ID + "/output"
	if !hasObject(t, tierA, key) || hasObject(t, tierB, key) {
		t.Fatalf("the output of a job submitted in us-east-1 is not (only) in us-east-1's bucket")
	}
	if code, out := getOutput(t, webB, jobA, cookie); code != 200 || !isAvatar(out) {
		t.Fatalf("us-east-1's output read from eu-west-1's host: %d %.200s", code, out)
	}

	// us-east-1's job tier gone for both regions: eu-west-1 goes on alone.
	awsA.Cut()
	jobB := submitAndWait(t, webB, workerB, cookie)
	if !hasObject(t, tierB, "jobs/"+jobB.ID+"/output") {
		t.Fatalf("the job submitted in eu-west-1 has no output in eu-west-1's bucket")
	}
	if code, out := getOutput(t, webB, jobB, cookie); code != 200 || !isAvatar(out) {
		t.Fatalf("eu-west-1's own output with us-east-1 down: %d %.200s", code, out)
	}
	if code, body, _ := upload(t, webA.url+"/api/me/avatar", "image/png", photo(t), cookie); code != 503 {
		t.Errorf("upload in us-east-1 with its job tier down: %d %s, want 503", code, body)
	}

	// eu-west-1 cannot reach S3 either: the output it would read answers 503.
	awsB.Cut()
	if code, out := getOutput(t, webB, jobA, cookie); code != 503 || !strings.Contains(out, "unavailable") {
		t.Errorf("an output whose bucket cannot be reached: %d %.200s, want 503", code, out)
	}
}
