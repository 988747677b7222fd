// Package appconfig publishes the app's settings for one region as SSM
// parameters under one path. Hosts read the path at boot (components/boot), so
// endpoints reach the app without living in user data; secrets are
// SecureString. Digest summarises them all: hosts carry it, so a change in
// any setting is a change to the hosts that read it.
package appconfig

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// Args configure an AppConfig.
type Args struct {
	Path    string // absolute, ending in "/": e.g. /scalezero/dev/
	Values  map[string]pulumi.StringInput
	Secrets map[string]pulumi.StringInput // stored as SecureString
	// Generated are secrets made at the first deploy (a new random value on
	// every run): their parameters ignore later values, so the first stays.
	Generated map[string]pulumi.StringInput
	Tags      map[string]string
}

// AppConfig is the component.
type AppConfig struct {
	pulumi.ResourceState

	Parameters map[string]*ssm.Parameter

	// Digest is a hash of every parameter's value (of its version, for a
	// secret), known once they all exist.
	Digest pulumi.StringOutput
}

// Value is the value of the parameter named key (a secret stays one), for a
// region that copies another's; a key that is not there is an error.
func (c *AppConfig) Value(key string) (pulumi.StringOutput, error) {
	p, ok := c.Parameters[key]
	if !ok {
		return pulumi.StringOutput{}, fmt.Errorf("appconfig: no parameter %s (have %v)", key, shared.SortedKeys(c.Parameters))
	}
	return p.Value, nil
}

// Resources lists the parameters, for DependsOn.
func (c *AppConfig) Resources() []pulumi.Resource {
	out := make([]pulumi.Resource, 0, len(c.Parameters))
	for _, k := range shared.SortedKeys(c.Parameters) {
		out = append(out, c.Parameters[k])
	}
	return out
}

// ReadResource is the ARN pattern of a path's parameters in one region, for
// the IAM policy of the hosts there: SSM is regional, and a host reads only
// its own region's copy of the settings.
func ReadResource(region, path string) string {
	return "arn:aws:ssm:" + region + ":*:parameter" + strings.TrimSuffix(path, "/") + "/*"
}

var (
	pathPattern = regexp.MustCompile(`^/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*/$`)
	keyPattern  = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
)

// New creates one parameter per key.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*AppConfig, error) {
	if args == nil || !pathPattern.MatchString(args.Path) {
		var got any
		if args != nil {
			got = args.Path
		}
		return nil, &shared.ArgError{Component: "appconfig", Arg: "Path", Value: got, Allowed: "an absolute SSM path ending in /"}
	}
	for _, m := range []map[string]pulumi.StringInput{args.Values, args.Secrets, args.Generated} {
		for k := range m {
			if !keyPattern.MatchString(k) {
				return nil, &shared.ArgError{Component: "appconfig", Arg: "key", Value: k, Allowed: "an environment variable name (A-Z, 0-9, _)"}
			}
		}
	}
	c := &AppConfig{Parameters: map[string]*ssm.Parameter{}}
	if err := ctx.RegisterComponentResource(shared.Project+":appconfig:AppConfig", name, c, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)
	put := func(key string, value pulumi.StringInput, secret bool, opts ...pulumi.ResourceOption) error {
		if _, dup := c.Parameters[key]; dup {
			return &shared.ArgError{Component: "appconfig", Arg: "key", Value: key, Allowed: "each key once across Values, Secrets and Generated"}
		}
		pa := &ssm.ParameterArgs{
			Name: pulumi.String(args.Path + key),
			Type: pulumi.String("String"),
			// Plain settings are insecureValue, so a diff shows them; only
			// secrets are SecureString values, which Pulumi keeps encrypted.
			InsecureValue: value,
			Tags:          shared.Tags(args.Tags, args.Path+key),
		}
		if secret {
			pa.Type, pa.InsecureValue, pa.Value = pulumi.String("SecureString"), nil, pulumi.ToSecret(value).(pulumi.StringOutput)
		}
		p, err := ssm.NewParameter(ctx, name+"-"+strings.ToLower(strings.ReplaceAll(key, "_", "-")), pa, append(opts, child)...)
		c.Parameters[key] = p
		return err
	}
	for _, k := range shared.SortedKeys(args.Values) {
		if err := put(k, args.Values[k], false); err != nil {
			return nil, err
		}
	}
	for _, k := range shared.SortedKeys(args.Secrets) {
		if err := put(k, args.Secrets[k], true); err != nil {
			return nil, err
		}
	}
	for _, k := range shared.SortedKeys(args.Generated) {
		if err := put(k, args.Generated[k], true, pulumi.IgnoreChanges([]string{"value"})); err != nil {
			return nil, err
		}
	}
	c.Digest = c.digest()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"path": pulumi.String(args.Path), "digest": c.Digest})
}

// digest hashes "key=value" lines in key order; a secret contributes its
// parameter's version, which SSM raises on every change, never its value.
func (c *AppConfig) digest() pulumi.StringOutput {
	keys := shared.SortedKeys(c.Parameters)
	parts := make([]any, len(keys))
	for i, k := range keys {
		p := c.Parameters[k]
		parts[i] = pulumi.All(p.Type, p.InsecureValue, p.Version).ApplyT(func(v []any) (string, error) {
			typ, _ := v[0].(string)
			value, okValue := v[1].(string)
			version, okVersion := v[2].(int)
			switch {
			case typ == "SecureString" && okVersion:
				return fmt.Sprintf("%s=v%d", k, version), nil
			case typ != "SecureString" && okValue:
				return k + "=" + value, nil
			}
			return "", fmt.Errorf("appconfig: parameter %s: unexpected outputs %T, %T", k, v[1], v[2])
		})
	}
	return pulumi.All(parts...).ApplyT(func(lines []any) string {
		h := sha256.New()
		for _, l := range lines {
			fmt.Fprintln(h, l)
		}
		return hex.EncodeToString(h.Sum(nil))[:16]
	}).(pulumi.StringOutput)
}
