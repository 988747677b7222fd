package ladder

import (
	"strings"
	"testing"
)

const readme = "# x\n\n## Deploying with Pulumi\n\n```sh\npulumi stack init dev   # the dev stack\npulumi config set phase 1\n" +
	"pulumi config set --secret cacheAuthToken \"$(openssl rand -hex 32)\"   # before phase 5\n" +
	"pulumi config set domain shop.your-domain.com   # before phase 7\n```\n\n### On Docker, with no cloud account\n\n" +
	"```sh\npulumi stack init local\npulumi config set target docker\npulumi config set phase 3 && pulumi up\n```\n"

func TestFromREADME(t *testing.T) {
	flows, err := FromREADME(readme)
	if err != nil {
		t.Fatal(err)
	}
	aws := flows["aws"]
	if aws.Stack != "dev" || len(aws.Settings) != 2 {
		t.Fatalf("aws flow: %+v", aws)
	}
	if s := aws.Settings[0]; s.Key != "cacheAuthToken" || !s.Secret || s.Before != 5 || s.Value != Values["cacheAuthToken"] {
		t.Errorf("a secret set before phase 5, with the ladder's value: %+v", s)
	}
	if s := aws.Settings[1]; s.Key != "domain" || s.Secret || s.Before != 7 || s.Value != "shop.scalezero-demo.com" {
		t.Errorf("the domain, before phase 7, not a reserved name or the README's example: %+v", s)
	}
	if got := len(aws.Due(6, 6)); got != 1 {
		t.Errorf("at phase 6 one setting is due, got %d", got)
	}
	if got := len(aws.Due(6, 9)); got != 2 {
		t.Errorf("back down at phase 6 the domain stays set, got %d settings", got)
	}
	docker := flows["docker"]
	if docker.Stack != "local" || !docker.sets("target", "docker") || docker.Settings[0].Before != 0 {
		t.Errorf("docker flow: %+v", docker)
	}
	if _, err := FromREADME(strings.Replace(readme, "## Deploying with Pulumi", "## Deploying", 1)); err == nil {
		t.Error("a README without the deploy section must fail, not give an empty flow")
	}
}

// The README this repository ships has both flows.
func TestTheREADMEHasBothFlows(t *testing.T) {
	flows, err := Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	if flows["aws"].Stack == "" || flows["docker"].Stack == "" {
		t.Errorf("flows: %+v", flows)
	}
}

func TestGoldenOrder(t *testing.T) {
	got := Golden(2, 1, map[string]string{"urn:b": Delete, "urn:a": Same, "urn:c": Create, "urn:0": Delete})
	want := "# phase 2 -> 1: 1 added, 2 removed, 0 changed, 1 unchanged\n= urn:a\n+ urn:c\n- urn:0\n- urn:b\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if GoldenFile("docker", 9, 8) != "stacks/testdata/transitions-docker/9-8.txt" {
		t.Error(GoldenFile("docker", 9, 8))
	}
}
