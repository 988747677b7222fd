package graph

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalezero/scalezero/stacks/plan"
)

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
func RunStack(path, phase string, set ...string) (*Graph, error) {
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
	return Run(cfg, plan.SortedSecretKeys()...)
}
