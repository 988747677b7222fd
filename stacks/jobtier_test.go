package stacks_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/stackgraph"
)

// knownGraph is a phase's graph with every provider-computed value known
// (ARNs, names), so policies can be read whole.
func knownGraph(t *testing.T, phase int) *graph.Graph {
	t.Helper()
	g, err := stackgraph.RunView(graph.Known, baseConfig(phase), "cacheAuthToken")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

type statement struct {
	Sid      string
	Action   any
	Resource any
}

// roleStatements are the statements of a host role's inline policy, by Sid.
func roleStatements(t *testing.T, g *graph.Graph, role string) map[string]statement {
	t.Helper()
	var doc struct{ Statement []statement }
	if err := json.Unmarshal([]byte(component(t, g, "aws:iam/rolePolicy:RolePolicy", role).Str("policy")), &doc); err != nil {
		t.Fatalf("%s: %v", role, err)
	}
	out := map[string]statement{}
	for _, s := range doc.Statement {
		out[s.Sid] = s
	}
	return out
}

// jobTierARNs are a region's queue and bucket ARNs, as the resources that
// must name them hold them: the DLQ's redrive-allow policy (the main
// queue) and the bucket's TLS-only policy (the bucket).
func jobTierARNs(t *testing.T, g *graph.Graph, suffix string) (queueARN, bucketARN string) {
	t.Helper()
	allow := component(t, g, "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "jobs"+suffix+"-dlq")
	var redrive struct{ SourceQueueArns []string }
	if err := json.Unmarshal([]byte(allow.Str("redriveAllowPolicy")), &redrive); err != nil || len(redrive.SourceQueueArns) != 1 {
		t.Fatalf("jobs%s-dlq: redrive allow policy %q: %v", suffix, allow.Str("redriveAllowPolicy"), err)
	}
	var bucketDoc struct{ Statement []statement }
	policy := component(t, g, "aws:s3/bucketPolicy:BucketPolicy", "jobs"+suffix+"-jobs")
	if err := json.Unmarshal([]byte(policy.Str("policy")), &bucketDoc); err != nil || len(bucketDoc.Statement) == 0 {
		t.Fatalf("jobs%s-jobs: bucket policy: %v", suffix, err)
	}
	return redrive.SourceQueueArns[0], strs(bucketDoc.Statement[0].Resource)[0]
}

// From phase 8 each region has its own queue, dead-letter queue, bucket and
// worker fleet in its own region, and the worker fleet scales on its own
// queue's backlog: losing one region leaves the other's job tier whole.
func TestEachRegionHasItsOwnJobTier(t *testing.T) {
	forPhases(t, 8, 9, func(t *testing.T, g *graph.Graph) {
		regions := map[string]string{"": "us-east-1", "-secondary": "eu-west-1"}
		for suffix, region := range regions {
			main := component(t, g, tQueue, "jobs"+suffix)
			dlq := component(t, g, tQueue, "jobs"+suffix+"-dlq")
			bucket := component(t, g, "aws:s3/bucketV2:BucketV2", "jobs"+suffix+"-jobs")
			for _, r := range []graph.Resource{main, dlq, bucket} {
				if got := regionOf(t, g, r); got != region {
					t.Errorf("%s is in %s, want %s", r.Name, got, region)
				}
			}
			if !main.DependsOn("redrivePolicy", dlq.URN) {
				t.Errorf("jobs%s does not redrive to its own dead-letter queue", suffix)
			}
			workers := component(t, g, "scalezero:worker:Worker", "worker"+suffix)
			asgs := under(g, workers, tASG)
			if len(asgs) != 1 || regionOf(t, g, asgs[0]) != region {
				t.Fatalf("worker%s: %d fleets, want one in %s", suffix, len(asgs), region)
			}
			backlog := component(t, g, tPolicy, "worker"+suffix+"-backlog")
			if !backlog.DependsOn("targetTrackingConfiguration", main.URN) {
				t.Errorf("worker%s does not scale on jobs%s's backlog", suffix, suffix)
			}
			for other := range regions {
				if other != suffix && backlog.DependsOn("targetTrackingConfiguration", component(t, g, tQueue, "jobs"+other).URN) {
					t.Errorf("worker%s scales on jobs%s's backlog", suffix, other)
				}
			}
		}
	})
}

// Each region's web role sends to its own queue and uses its own bucket's
// jobs/*, and may only read the job outputs of the other region's bucket;
// each worker role consumes its own queue and uses its own bucket. No role
// names another region's queue.
func TestEachRegionsRolesUseItsOwnJobTier(t *testing.T) {
	for _, phase := range []int{8, 9} {
		t.Run(fmt.Sprintf("phase%d", phase), func(t *testing.T) {
			g := knownGraph(t, phase)
			queues, buckets := map[string]string{}, map[string]string{}
			for _, s := range []string{"", "-secondary"} {
				queues[s], buckets[s] = jobTierARNs(t, g, s)
			}
			other := map[string]string{"": "-secondary", "-secondary": ""}
			type want struct {
				actions   []string
				resources []string
			}
			for s := range queues {
				roles := map[string]map[string]want{
					"web-role" + s: {
						"SendJobs":                {[]string{"sqs:SendMessage", "sqs:GetQueueUrl"}, []string{queues[s]}},
						"JobData":                 {[]string{"s3:PutObject", "s3:GetObject"}, []string{buckets[s] + "/jobs/*"}},
						"ReadOtherRegionsOutputs": {[]string{"s3:GetObject"}, []string{buckets[other[s]] + "/jobs/*/output"}},
					},
					"worker-role" + s: {
						"ConsumeJobs": {[]string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}, []string{queues[s]}},
						"JobData":     {[]string{"s3:GetObject", "s3:PutObject"}, []string{buckets[s] + "/jobs/*"}},
					},
				}
				for role, sids := range roles {
					got := roleStatements(t, g, role)
					for sid, w := range sids {
						st, ok := got[sid]
						if !ok {
							t.Errorf("%s has no %s statement", role, sid)
							continue
						}
						if a, r := strs(st.Action), strs(st.Resource); !slices.Equal(a, w.actions) || !slices.Equal(r, w.resources) {
							t.Errorf("%s %s: %v on %v, want %v on %v", role, sid, a, r, w.actions, w.resources)
						}
					}
					// Nothing else of the job tier: no other SQS or S3 action.
					for sid, st := range got {
						if _, listed := sids[sid]; listed {
							continue
						}
						for _, a := range strs(st.Action) {
							if strings.HasPrefix(a, "sqs:") || strings.HasPrefix(a, "s3:") {
								t.Errorf("%s %s grants %s", role, sid, a)
							}
						}
					}
				}
			}
		})
	}
}
