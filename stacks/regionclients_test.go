package stacks_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/config"
	"github.com/scalezero/scalezero/app/service"
	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/stackgraph"
)

// regionalAWS stands in for SQS and S3 as their regional endpoints behave:
// a call signed for another region than the one the queue or bucket lives
// in is refused the way AWS refuses it (SQS: the queue does not exist; S3:
// 301 PermanentRedirect, which the SDK does not follow). With a custom
// endpoint the SDK still signs for the client's region, so the signature's
// scope is the endpoint the client would have called.
type regionalAWS struct {
	queues  map[string]string // queue URL -> its region
	buckets map[string]string // bucket name -> its region

	mu      sync.Mutex
	calls   []string // "<service> <operation> <signed region>"
	objects map[string][]byte
}

// signedRegion reads the region from a SigV4 Authorization header's
// credential scope (Credential=<key>/<date>/<region>/<service>/aws4_request).
func signedRegion(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	i := strings.Index(auth, "Credential=")
	if i < 0 {
		return ""
	}
	scope := strings.Split(strings.SplitN(auth[i+len("Credential="):], ",", 2)[0], "/")
	if len(scope) != 5 {
		return ""
	}
	return scope[2]
}

func (a *regionalAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	region := signedRegion(r)
	if target := r.Header.Get("X-Amz-Target"); strings.HasPrefix(target, "AmazonSQS.") {
		a.sqs(w, r, strings.TrimPrefix(target, "AmazonSQS."), region)
		return
	}
	a.s3(w, r, region)
}

func (a *regionalAWS) record(call string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, call)
}

func (a *regionalAWS) sqs(w http.ResponseWriter, r *http.Request, op, region string) {
	var in struct {
		QueueUrl    string
		MessageBody string
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a.record(fmt.Sprintf("sqs %s %s", op, region))
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	if home, ok := a.queues[in.QueueUrl]; !ok || home != region {
		w.Header().Set("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`)
		return
	}
	var out any
	switch op {
	case "SendMessage":
		sum := md5.Sum([]byte(in.MessageBody))
		out = map[string]string{"MessageId": "m-1", "MD5OfMessageBody": hex.EncodeToString(sum[:])}
	case "ReceiveMessage":
		out = map[string]any{"Messages": []any{}}
	case "GetQueueAttributes":
		out = map[string]any{"Attributes": map[string]string{"RedrivePolicy": `{"maxReceiveCount":5}`}}
	default:
		out = map[string]any{}
	}
	json.NewEncoder(w).Encode(out)
}

func (a *regionalAWS) s3(w http.ResponseWriter, r *http.Request, region string) {
	// Path-style, as the app's client uses with a custom endpoint: /<bucket>/<key>.
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	a.record(fmt.Sprintf("s3 %s %s", r.Method, region))
	home, ok := a.buckets[bucket]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>`)
		return
	}
	if home != region {
		w.Header().Set("x-amz-bucket-region", home)
		w.WriteHeader(http.StatusMovedPermanently)
		fmt.Fprintf(w, `<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message><Bucket>%s</Bucket><Endpoint>%s.s3.%s.amazonaws.com</Endpoint></Error>`, bucket, bucket, home)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	switch r.Method {
	case http.MethodPut:
		body, _ := io.ReadAll(r.Body)
		a.objects[bucket+"/"+key] = body
		w.Header().Set("ETag", `"e"`)
	case http.MethodGet:
		body, ok := a.objects[bucket+"/"+key]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body)
	}
}

// hostSettings is what the hosts of each region are given: the plain
// parameters under the app's path, by the region of their provider, with
// the resource each value was taken from.
type hostSetting struct {
	value string
	from  []string // URNs the value depends on
}

func hostSettings(t *testing.T, g *graph.Graph) map[string]map[string]hostSetting {
	t.Helper()
	out := map[string]map[string]hostSetting{}
	for _, p := range g.OfType("aws:ssm/parameter:Parameter") {
		name := p.Str("name")
		env := name[strings.LastIndex(name, "/")+1:]
		// Plain settings are String parameters' insecureValue; the secrets
		// (cache token, cookie keys: SecureString values) choose no region.
		value, ok := p.Get("insecureValue").(string)
		if !strings.HasPrefix(env, "SCALEZERO_") || !ok {
			continue
		}
		region := regionOf(t, g, p)
		if out[region] == nil {
			out[region] = map[string]hostSetting{}
		}
		out[region][env] = hostSetting{value: value, from: p.PropertyDependencies["insecureValue"]}
	}
	return out
}

// homeOf is the region of the one resource a setting's value was taken from.
func homeOf(t *testing.T, g *graph.Graph, s hostSetting, what string) string {
	t.Helper()
	regions := map[string]bool{}
	for _, urn := range s.from {
		r, ok := g.ByURN(urn)
		if ok && r.Custom {
			regions[regionOf(t, g, r)] = true
		}
	}
	if len(regions) != 1 {
		t.Fatalf("%s %q: taken from resources in %d regions (%v), want one", what, s.value, len(regions), s.from)
	}
	for r := range regions {
		return r
	}
	return ""
}

// Each region's hosts pull the app image from a repository in their own
// region, pushed by the stack: a lost first region leaves the second one
// able to launch hosts (the failover rolls its fleet).
func TestEachRegionsHostsPullFromTheirOwnRegion(t *testing.T) {
	for _, phase := range []int{7, 9} {
		g, err := stackgraph.RunView(graph.Known, baseConfig(phase), "cacheAuthToken")
		if err != nil {
			t.Fatal(err)
		}
		for region, settings := range hostSettings(t, g) {
			image := settings["SCALEZERO_IMAGE"]
			// <account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:...
			host := strings.Split(image.value, "/")[0]
			if labels := strings.Split(host, "."); len(labels) < 4 || labels[3] != region {
				t.Errorf("phase %d: hosts in %s pull %s, from another region", phase, region, image.value)
			}
			repos := 0
			for _, urn := range image.from {
				r, ok := g.ByURN(urn)
				if ok && r.Type == "docker:index/image:Image" {
					for _, dep := range r.PropertyDependencies["imageName"] {
						if repo, ok := g.ByURN(dep); ok && repo.Type == "aws:ecr/repository:Repository" {
							repos++
							if home := regionOf(t, g, repo); home != region {
								t.Errorf("phase %d: %s's image is pushed to a repository in %s", phase, region, home)
							}
						}
					}
				}
			}
			if repos != 1 {
				t.Errorf("phase %d: %s's image comes from %d repositories, want its own", phase, region, repos)
			}
		}
	}
}

// Every region's hosts, started with the settings the plan publishes for
// them, submit and process jobs against the queue and bucket where those
// live: the web tier's upload (S3 put, SQS send) and the worker's loop
// (queue attributes, receive, S3 get). The second region's hosts once built
// these clients for their own region, and every job they took failed.
func TestEachRegionsJobClientsCallTheRegionOfTheirResources(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, phase := range []int{8, 9} {
		t.Run(fmt.Sprintf("phase%d", phase), func(t *testing.T) {
			g, err := stackgraph.RunView(graph.Known, baseConfig(phase), "cacheAuthToken")
			if err != nil {
				t.Fatal(err)
			}
			perRegion := hostSettings(t, g)
			if len(perRegion) != 2 {
				t.Fatalf("settings published in %d regions, want 2", len(perRegion))
			}
			aws := &regionalAWS{queues: map[string]string{}, buckets: map[string]string{}, objects: map[string][]byte{}}
			for _, settings := range perRegion {
				q, b := settings["SCALEZERO_QUEUE_URL"], settings["SCALEZERO_JOBS_BUCKET"]
				aws.queues[q.value] = homeOf(t, g, q, "SCALEZERO_QUEUE_URL")
				aws.buckets[b.value] = homeOf(t, g, b, "SCALEZERO_JOBS_BUCKET")
			}
			srv := httptest.NewServer(aws)
			defer srv.Close()
			hosts := map[string]config.Config{} // by region, what it runs with
			for region, settings := range perRegion {
				t.Run(region, func(t *testing.T) {
					env := map[string]string{"SCALEZERO_AWS_ENDPOINT": srv.URL}
					for k, s := range settings {
						if k != "SCALEZERO_AWS_ENDPOINT" {
							env[k] = s.value
						}
					}
					cfg, err := config.FromEnv(env)
					if err != nil {
						t.Fatalf("the app refuses region %s's settings: %v", region, err)
					}
					if cfg.Region != region {
						t.Fatalf("hosts in %s are told their region is %q", region, cfg.Region)
					}
					hosts[region] = cfg
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					bucket, queue, err := service.JobClients(ctx, cfg)
					if err != nil {
						t.Fatal(err)
					}
					key := "jobs/" + region + "/in"
					if err := bucket.Put(ctx, key, "image/png", []byte("png")); err != nil {
						t.Errorf("upload from %s: %v", region, err)
					}
					if err := queue.Send(ctx, `{"id":"1"}`); err != nil {
						t.Errorf("job submitted from %s: %v", region, err)
					}
					if n, err := queue.MaxReceives(ctx); err != nil || n != 5 {
						t.Errorf("worker in %s reads the redrive policy: %d, %v", region, n, err)
					}
					if _, err := queue.Receive(ctx, 1, 0); err != nil {
						t.Errorf("worker in %s receives: %v", region, err)
					}
					if body, _, err := bucket.Get(ctx, key); err != nil || string(body) != "png" {
						t.Errorf("worker in %s reads the upload: %q, %v", region, body, err)
					}
					if err := bucket.Put(ctx, "jobs/"+region+"/output", "image/png", []byte("avatar from "+region)); err != nil {
						t.Errorf("worker in %s stores an output: %v", region, err)
					}
				})
			}
			// Every region's hosts read every region's outputs from the
			// bucket the job records, and a job recorded before jobs
			// carried their bucket from the primary's (the first listed).
			primary := strings.Split(strings.Split(perRegion["us-east-1"]["SCALEZERO_JOBS_BUCKETS"].value, ",")[0], "=")[0]
			for reader, cfg := range hosts {
				bucket, _, err := service.JobClients(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				outputs := service.JobOutputs(cfg, bucket)
				for _, home := range hosts {
					job := app.Job{OutputKey: "jobs/" + home.JobsRegion + "/output", Bucket: home.JobsBucket, BucketRegion: home.JobsRegion}
					if body, _, err := outputs.Output(context.Background(), job); err != nil || string(body) != "avatar from "+home.JobsRegion {
						t.Errorf("host in %s reads the output of a job submitted in %s: %q, %v", reader, home.JobsRegion, body, err)
					}
				}
				legacy := app.Job{OutputKey: "jobs/" + primary + "/output"}
				if body, _, err := outputs.Output(context.Background(), legacy); err != nil || string(body) != "avatar from "+primary {
					t.Errorf("host in %s reads an earlier job's output (the primary's bucket, %s): %q, %v", reader, primary, body, err)
				}
			}
			if len(aws.calls) < 10 {
				t.Fatalf("the stand-in saw %d calls (%v), want 5 per region", len(aws.calls), aws.calls)
			}
		})
	}
}
