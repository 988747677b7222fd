package stacks_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/app/config"
	"github.com/scalezero/scalezero/components/boot"
	"github.com/scalezero/scalezero/graph/record"
	"github.com/scalezero/scalezero/stacks"
	"github.com/scalezero/scalezero/stacks/plan"
)

// exportsOf runs the program for a phase and returns the names it exports.
func exportsOf(t *testing.T, phase int) []string {
	t.Helper()
	return exportsOfTarget(t, "aws", phase)
}

// exportsOfTarget lists the names a phase exports on a target, through the
// program itself (the mock monitor does not record stack outputs).
func exportsOfTarget(t *testing.T, target string, phase int) []string {
	t.Helper()
	var names []string
	cfg := map[string]string{"scalezero:target": target}
	for k, v := range baseConfig(phase) {
		cfg["scalezero:"+k] = v
	}
	_, err := record.RunProgram(func(ctx *pulumi.Context) error {
		s, err := plan.Load(plan.FromMap(cfg))
		if err != nil {
			return err
		}
		build := stacks.BuildAWS
		if target == "docker" {
			build = stacks.BuildDocker
		}
		out, err := build(ctx, plan.For(s))
		if err != nil {
			return err
		}
		for name := range out.Exports() {
			names = append(names, name)
		}
		return nil
	}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	return names
}

func TestExportsPerPhase(t *testing.T) {
	always := "appConfigPath imageRef next phase regions url nameServers"
	want := map[int]string{
		1: always + " serverInstanceId serverPublicIp",
		2: always + " serverInstanceId serverPublicIp dbWriterEndpoint dbSecretArn",
		3: always + " loadBalancerDnsName dbWriterEndpoint dbSecretArn",
		4: always + " loadBalancerDnsName dbWriterEndpoint dbSecretArn dbReaderEndpoints",
		5: always + " loadBalancerDnsName dbWriterEndpoint dbSecretArn dbReaderEndpoints cacheEndpoint cdnUrl",
		6: always + " loadBalancerDnsName dbWriterEndpoint dbSecretArn dbReaderEndpoints cacheEndpoint cdnUrl sessionsTable",
		7: always + " loadBalancerDnsName dbWriterEndpoint dbSecretArn dbReaderEndpoints cacheEndpoint cdnUrl secondaryLoadBalancer secondaryDbReader sessionsTable",
		8: always + " loadBalancerDnsName dbWriterEndpoint dbSecretArn dbReaderEndpoints cacheEndpoint cdnUrl secondaryLoadBalancer secondaryDbReader queueUrl deadLetterQueueUrl jobsBucket sessionsTable",
		9: always + " loadBalancerDnsName dbWriterEndpoint dbSecretArn dbReaderEndpoints cacheEndpoint cdnUrl secondaryLoadBalancer secondaryDbReader queueUrl deadLetterQueueUrl jobsBucket shardMap sessionsTable",
	}
	for phase := 1; phase <= 9; phase++ {
		w := strings.Fields(want[phase])
		sort.Strings(w)
		if got := exportsOf(t, phase); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("phase %d exports %v, want %v", phase, got, w)
		}
	}
}

// Every setting the infrastructure publishes for the hosts is one the app
// reads (or the boot script consumes), under the same name.
func TestPublishedSettingsAreTheAppsSettings(t *testing.T) {
	reads := map[string]bool{}
	for _, v := range config.EnvVars() {
		reads[v] = true
	}
	bootScript := map[string]bool{"SCALEZERO_IMAGE": true, boot.LocalDataKey: true}
	for phase := 1; phase <= 9; phase++ {
		for _, p := range phaseGraph(t, phase).OfType("aws:ssm/parameter:Parameter") {
			name := p.Str("name")
			env := name[strings.LastIndex(name, "/")+1:]
			if reads[env] || bootScript[env] || strings.HasSuffix(env, "_SECRET_ARN") {
				continue
			}
			t.Errorf("phase %d publishes %s, which the app does not read", phase, env)
		}
	}
}
