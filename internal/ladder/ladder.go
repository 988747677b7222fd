// Package ladder reads the deploy flows the README tells a user to follow
// (the stack to create, the settings to set and before which phase) so that
// the engine run and the golden transitions climb the phases exactly as a
// user would, and with nothing the README does not name.
package ladder

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Setting is one `pulumi config set` of a flow.
type Setting struct {
	Key    string // without the project's namespace
	Value  string // the value the ladder sets (see Values)
	Secret bool   // set with --secret
	Before int    // set before the first `up` at this phase; 0: at the start
}

// Flow is one target's way up the phases, as the README writes it.
type Flow struct {
	Target   string // aws or docker
	Stack    string // the stack `pulumi stack init` creates
	Settings []Setting
}

// Sections are the README headings whose first sh block is each target's flow.
var Sections = map[string]string{
	"aws":    "## Deploying with Pulumi",
	"docker": "### On Docker",
}

// Values are what the ladder sets where the README leaves the value to the
// user or shows a name no one may use: a domain under example.com is refused
// by Route 53, and a generated secret is a command's output. Keys not listed
// take the README's literal value.
var Values = map[string]string{
	"domain":         "shop.scalezero-demo.com",
	"cacheAuthToken": "ladder-cache-token-5f0c1e9a7d3b42c8",
}

var (
	stackInit = regexp.MustCompile(`pulumi stack init (\S+)`)
	configSet = regexp.MustCompile(`pulumi config set (--secret )?(\S+) ("[^"]*"|\S+)`)
	before    = regexp.MustCompile(`#.*before phase (\d+)`)
)

// FromREADME reads every target's flow.
func FromREADME(readme string) (map[string]Flow, error) {
	out := map[string]Flow{}
	for target, heading := range Sections {
		block, err := shBlock(readme, heading)
		if err != nil {
			return nil, err
		}
		f := Flow{Target: target}
		for _, line := range strings.Split(block, "\n") {
			if m := stackInit.FindStringSubmatch(line); m != nil {
				f.Stack = m[1]
			}
			for _, m := range configSet.FindAllStringSubmatch(line, -1) {
				key := strings.TrimPrefix(m[2], "scalezero:")
				if key == "phase" {
					continue
				}
				s := Setting{Key: key, Value: strings.Trim(m[3], `"`), Secret: m[1] != ""}
				if v, ok := Values[key]; ok {
					s.Value = v
				}
				if b := before.FindStringSubmatch(line); b != nil {
					s.Before, _ = strconv.Atoi(b[1])
				}
				f.Settings = append(f.Settings, s)
			}
		}
		if f.Stack == "" {
			return nil, fmt.Errorf("README %q: no `pulumi stack init` in its first sh block", heading)
		}
		if target != "aws" && !f.sets("target", target) {
			return nil, fmt.Errorf("README %q: the flow never sets target %s", heading, target)
		}
		out[target] = f
	}
	return out, nil
}

func (f Flow) sets(key, value string) bool {
	for _, s := range f.Settings {
		if s.Key == key && s.Value == value {
			return true
		}
	}
	return false
}

// shBlock returns the first ```sh block after a heading line that starts
// with heading.
func shBlock(readme, heading string) (string, error) {
	sc := bufio.NewScanner(strings.NewReader(readme))
	found, in := false, false
	var b strings.Builder
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !found && strings.HasPrefix(line, heading):
			found = true
		case found && !in && strings.HasPrefix(line, "```sh"):
			in = true
		case in && strings.HasPrefix(line, "```"):
			return b.String(), nil
		case in:
			b.WriteString(line + "\n")
		}
	}
	return "", fmt.Errorf("README: no sh block under a heading %q", heading)
}

// Load reads the flows from the README at the repository root.
func Load(root string) (map[string]Flow, error) {
	raw, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		return nil, err
	}
	return FromREADME(string(raw))
}

// Due returns the settings a user has set when the stack runs at phase,
// having been as high as reached: settings stay once set, so on the way down
// the stack keeps what the way up added.
func (f Flow) Due(phase, reached int) []Setting {
	var out []Setting
	for _, s := range f.Settings {
		if s.Before <= max(phase, reached) {
			out = append(out, s)
		}
	}
	return out
}

// Config is the stack's config at phase (having reached reached), as the CLI
// would hand it to the program: the stack file's values (Pulumi.<stack>.yaml
// under root, when it exists), then the flow's settings, then the phase;
// keys are namespaced. Secret lists the keys set with --secret.
func (f Flow) Config(root string, phase, reached int) (cfg map[string]string, secret []string, err error) {
	cfg = map[string]string{}
	path := filepath.Join(root, "Pulumi."+f.Stack+".yaml")
	if raw, err := os.ReadFile(path); err == nil {
		var file struct {
			Config map[string]any `yaml:"config"`
		}
		if err := yaml.Unmarshal(raw, &file); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		for k, v := range file.Config {
			if m, ok := v.(map[string]any); ok {
				if _, secure := m["secure"]; secure {
					return nil, nil, fmt.Errorf("%s: %s is encrypted; a new stack of the README's flow has no secrets in its file", path, k)
				}
			}
			cfg[k] = fmt.Sprint(v)
		}
	}
	for _, s := range f.Due(phase, reached) {
		cfg[qualify(s.Key)] = s.Value
		if s.Secret {
			secret = append(secret, qualify(s.Key))
		}
	}
	cfg[qualify("phase")] = strconv.Itoa(phase)
	return cfg, secret, nil
}

func qualify(key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return "scalezero:" + key
}

// Root finds the repository root (the directory with go.mod) from dir up.
func Root(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}

// Here finds the repository root from the working directory and reads its
// flows: what the engine run and make e2e-docker start from.
func Here() (root string, flows map[string]Flow, err error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", nil, err
	}
	if root, err = Root(wd); err != nil {
		return "", nil, err
	}
	flows, err = Load(root)
	return root, flows, err
}
