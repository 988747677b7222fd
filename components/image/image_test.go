package image_test

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/image"
	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/record"
)

func program(ctx *pulumi.Context) error {
	_, err := image.New(ctx, "app", &image.Args{Context: "..", Dockerfile: "app/Dockerfile"})
	return err
}

// The image is built for the hosts' platform and pushed to a scanned,
// encrypted repository with the registry's token, which stays secret; old
// images expire.
func TestBuildAndPush(t *testing.T) {
	g := record.Known(t, program)
	repo, _ := g.Named("aws:ecr/repository:Repository", "app")
	if repo.Get("imageScanningConfiguration.scanOnPush") != true || repo.Str("encryptionConfigurations.0.encryptionType") != "AES256" {
		t.Errorf("repository %v", repo.Inputs)
	}
	im, ok := g.Named("docker:index/image:Image", "app")
	if !ok || im.Str("build.platform") != "linux/amd64" || im.Str("build.dockerfile") != "app/Dockerfile" ||
		!im.DependsOn("imageName", repo.URN) || im.Get("registry.password") != graph.Secret {
		t.Fatalf("image %v", im.Inputs)
	}
	lc, _ := g.Named("aws:ecr/lifecyclePolicy:LifecyclePolicy", "app")
	var policy struct{ Rules []any }
	if err := json.Unmarshal([]byte(lc.Str("policy")), &policy); err != nil || len(policy.Rules) == 0 {
		t.Errorf("lifecycle policy %q: %v", lc.Str("policy"), err)
	}
}

// The app's image and its repository.
func ExampleNew() {
	record.PrintCensus(program)
	// Output:
	// aws:ecr/lifecyclePolicy:LifecyclePolicy 1
	// aws:ecr/repository:Repository 1
	// docker:index/image:Image 1
}
