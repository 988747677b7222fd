// Package stackgraph records the project's stack program (stacks.Program)
// under graph/record, from a config map or a Pulumi.<stack>.yaml file: the
// offline graph `make plan` prints and the stack's tests read. It is the only
// graph package that imports the program, so components are tested without it.
package stackgraph

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/record"
	"github.com/scalezero/scalezero/stacks"
	"github.com/scalezero/scalezero/stacks/plan"
)

// Run executes the stack program with the given raw config (keys with or
// without the "scalezero:" prefix) and returns its graph in the preview view;
// on error, the graph holds what was declared before the failure. secretKeys
// marks config values that Pulumi would hold as secrets.
func Run(config map[string]string, secretKeys ...string) (*graph.Graph, error) {
	return RunView(graph.Preview, config, secretKeys...)
}

// RunView is Run in either view.
func RunView(view graph.View, config map[string]string, secretKeys ...string) (*graph.Graph, error) {
	cfg := map[string]string{}
	for k, v := range config {
		cfg[qualify(k)] = v
	}
	secrets := make([]string, len(secretKeys))
	for i, k := range secretKeys {
		secrets[i] = qualify(k)
	}
	g, err := record.RunProgramView(view, stacks.Program, cfg, secrets...)
	settings, cfgErr := plan.Load(plan.FromMap(cfg))
	if cfgErr != nil {
		// The program stopped on the same check; its error comes wrapped by
		// the SDK ("1 error occurred"), this one names the key plainly.
		return g, cfgErr
	}
	if err != nil {
		return g, err
	}
	g.Phase = settings.Phase
	return g, nil
}

// qualify prefixes a bare key with the project's namespace.
func qualify(key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return graph.Project + ":" + key
}

// StackConfig reads the config of a Pulumi.<stack>.yaml file as raw strings.
// Encrypted values ({secure: ...}) cannot be read offline and are skipped.
func StackConfig(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]string{}
	for k, v := range file.Config {
		switch t := v.(type) {
		case string:
			out[k] = t
		case int:
			out[k] = strconv.Itoa(t)
		case bool:
			out[k] = strconv.FormatBool(t)
		case float64:
			out[k] = strconv.FormatFloat(t, 'f', -1, 64)
		case map[string]any:
			if _, secure := t["secure"]; secure {
				continue
			}
			return nil, fmt.Errorf("%s: config %s: objects are not supported", path, k)
		default:
			return nil, fmt.Errorf("%s: config %s: unsupported value %v", path, k, v)
		}
	}
	return out, nil
}

// RunStack runs the program with a stack file's config and the phase given as
// raw text (so "abc" fails with the program's own message); each of set is a
// "key=value" that overrides the file (target=localstack, say). Encrypted
// values cannot be read offline; without them the program makes its own
// secrets, as on a stack that never set them.
func RunStack(path, phase string, set ...string) (*graph.Graph, error) {
	return RunStackView(graph.Preview, path, phase, set...)
}

// RunStackView is RunStack in either view.
func RunStackView(view graph.View, path, phase string, set ...string) (*graph.Graph, error) {
	cfg, err := StackConfig(path)
	if err != nil {
		return nil, err
	}
	if phase != "" {
		set = append(set, "phase="+phase)
	}
	for _, kv := range set {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("setting %q: allowed key=value, such as target=localstack", kv)
		}
		cfg[qualify(k)] = v
	}
	return RunView(view, cfg, plan.SortedSecretKeys()...)
}
