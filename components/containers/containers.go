// Package containers holds the docker target's stand-ins for each tier: the
// same roles as the AWS components (database with replicas, cache, app fleet,
// load balancer, CDN, job queue and bucket) as pulumi-docker containers on
// one Docker host, so a phase can run on a laptop with no cloud account.
package containers

import (
	"fmt"
	"net/netip"
	"sort"
	"time"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// Images pinned by tag, so a phase's graph does not change under the user.
const (
	PostgresImage = "postgres:16.4-bookworm"
	RedisImage    = "redis:7.4-bookworm"
	NginxImage    = "nginx:1.28-bookworm" // 1.27.3 on: upstream servers re-resolved (resolve)
	// fauxqs serves SQS and S3 (the app's tests use the same release).
	EmulatorImage = "kibertoad/fauxqs:1.9.2"
)

// Network is a Docker network a container joins under its own name.
//
// Containers, volumes and networks get Pulumi's auto-names (name plus a
// random suffix), so two stacks share a Docker host without clashing; on a
// network each container answers to its component name, which is what the
// app's settings use.
type Network struct {
	Name pulumi.StringInput
}

func attach(name string, nets []Network) docker.ContainerNetworksAdvancedArray {
	out := docker.ContainerNetworksAdvancedArray{}
	for _, n := range nets {
		out = append(out, docker.ContainerNetworksAdvancedArgs{Name: n.Name, Aliases: pulumi.ToStringArray([]string{name})})
	}
	return out
}

func labels(tags map[string]string, name string) docker.ContainerLabelArray {
	out := docker.ContainerLabelArray{docker.ContainerLabelArgs{Label: pulumi.String("scalezero.name"), Value: pulumi.String(name)}}
	for _, k := range sortedKeys(tags) {
		out = append(out, docker.ContainerLabelArgs{Label: pulumi.String("scalezero." + k), Value: pulumi.String(tags[k])})
	}
	return out
}

// envList turns settings into KEY=value entries, sorted, so the container's
// definition does not change with map order.
func envList(env map[string]pulumi.StringInput) pulumi.StringArray {
	out := pulumi.StringArray{}
	for _, k := range sortedKeys(env) {
		out = append(out, pulumi.Sprintf("%s=%s", k, env[k]))
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// service is what every stand-in's container shares: it joins the networks
// under its name, restarts unless stopped, is labelled with the stack's tags,
// and must be running and healthy for `pulumi up` to succeed.
type service struct {
	name     string
	nets     []Network
	tags     map[string]string
	image    pulumi.StringInput // set, or pulled from ref
	ref      string
	volumeAt string // a named volume mounted here, kept across replacements; "" for none
	// takesOver is the URN of the container that published this one's host
	// port before (the site's front, handed from the single server to the
	// load balancer and back): the engine takes that container as this one
	// and replaces it, deleting it first, so the port is free when this one
	// starts. "" for none.
	takesOver string
	// health is the command that says the service can serve (Docker's
	// HEALTHCHECK test, CMD or CMD-SHELL first); the create waits until it
	// passes, as an ALB's health check gates a fleet.
	health []string
}

// Health-check timing: a first pass is looked for every interval from the
// start; a service that has not passed within waitTimeout fails the create
// (a replica copies its primary first, the app runs its migrations).
const (
	healthInterval    = 2 * time.Second
	healthTimeout     = 3 * time.Second
	healthRetries     = 3
	healthStartPeriod = 120 * time.Second
	waitTimeout       = 180 // seconds
)

// duration is a health-check duration as the provider reads it back from
// the engine (Go's Duration.String: "2m0s", not "120s"); written any other
// way, every preview after an up would replace the container.
func duration(d time.Duration) pulumi.String { return pulumi.String(d.String()) }

// run declares the service's container, under parent, with c's own
// settings; extra options (an ordering) apply to the container alone.
func (s service) run(ctx *pulumi.Context, parent pulumi.Resource, c docker.ContainerArgs, extra ...pulumi.ResourceOption) (*docker.Container, error) {
	child := pulumi.Parent(parent)
	image := s.image
	if image == nil {
		// A pinned image, kept on the host when the stack goes.
		img, err := docker.NewRemoteImage(ctx, s.name, &docker.RemoteImageArgs{Name: pulumi.String(s.ref), KeepLocally: pulumi.Bool(true)}, child)
		if err != nil {
			return nil, err
		}
		image = img.ImageId
	}
	if s.volumeAt != "" {
		vol, err := docker.NewVolume(ctx, s.name+"-data", &docker.VolumeArgs{}, child)
		if err != nil {
			return nil, err
		}
		c.Volumes = docker.ContainerVolumeArray{docker.ContainerVolumeArgs{VolumeName: vol.Name, ContainerPath: pulumi.String(s.volumeAt)}}
	}
	c.Image = image
	c.NetworksAdvanced = attach(s.name, s.nets)
	c.Restart = pulumi.String("unless-stopped")
	c.Labels = labels(s.tags, s.name)
	c.MustRun = pulumi.Bool(true)
	if len(s.health) == 0 {
		return nil, fmt.Errorf("containers: %s has no health check: every long-running stand-in needs one, so that a create waits until it can serve", s.name)
	}
	c.Healthcheck = docker.ContainerHealthcheckArgs{
		Tests: pulumi.ToStringArray(s.health), Interval: duration(healthInterval), Timeout: duration(healthTimeout),
		Retries: pulumi.Int(healthRetries), StartPeriod: duration(healthStartPeriod),
	}
	c.Wait = pulumi.Bool(true)
	c.WaitTimeout = pulumi.Int(waitTimeout)
	opts := []pulumi.ResourceOption{child}
	if c.Ports != nil {
		// One host port, one container: a replacement created before the
		// old one goes could not bind it.
		opts = append(opts, pulumi.DeleteBeforeReplace(true))
	}
	if s.takesOver != "" {
		// The engine takes the other container as this one; its image
		// differs (the app's or nginx's), which the provider replaces
		// anyway: said here, so that a preview and the offline graph show
		// the replacement too.
		opts = append(opts, pulumi.Aliases([]pulumi.Alias{{URN: pulumi.URN(s.takesOver)}}), pulumi.ReplaceOnChanges([]string{"image"}))
	}
	return docker.NewContainer(ctx, s.name, &c, append(opts, extra...)...)
}

// containerURN is the URN of the container named name in a top-level
// component of the given type (AppFleet, LoadBalancer).
func containerURN(ctx *pulumi.Context, component, name string) string {
	return fmt.Sprintf("urn:pulumi:%s::%s::%s:containers:%s$docker:index/container:Container::%s", ctx.Stack(), ctx.Project(), shared.Project, component, name)
}

// FleetContainerURN is the URN of container i of the top-level AppFleet
// named fleet.
func FleetContainerURN(ctx *pulumi.Context, fleet string, i int) string {
	return containerURN(ctx, "AppFleet", fmt.Sprintf("%s-%d", fleet, i))
}

// LoadBalancerContainerURN is the URN of the top-level LoadBalancer's
// container.
func LoadBalancerContainerURN(ctx *pulumi.Context, name string) string {
	return containerURN(ctx, "LoadBalancer", name)
}

// upload is one file written into a container before it starts.
func upload(path, content string, executable bool) docker.ContainerUploadArgs {
	return docker.ContainerUploadArgs{File: pulumi.String(path), Content: pulumi.String(content), Executable: pulumi.Bool(executable)}
}

func needNetworks(component string, nets []Network) error {
	if len(nets) == 0 {
		return &shared.ArgError{Component: component, Arg: "Networks", Value: "none", Allowed: "at least one network"}
	}
	return nil
}

func hostPort(component string, port int, ip string) error {
	if port < 1 || port > 65535 {
		return &shared.ArgError{Component: component, Arg: "HostPort", Value: fmt.Sprint(port), Allowed: "1 to 65535"}
	}
	if a, err := netip.ParseAddr(ip); err != nil || !a.Is4() {
		return &shared.ArgError{Component: component, Arg: "HostIP", Value: ip, Allowed: "an IPv4 address of the Docker host, such as 127.0.0.1 or 0.0.0.0"}
	}
	return nil
}

// publish is a container's one published port: internal on ip:external.
func publish(internal, external int, ip string) docker.ContainerPortArray {
	return docker.ContainerPortArray{docker.ContainerPortArgs{Internal: pulumi.Int(internal), External: pulumi.Int(external), Ip: pulumi.String(ip)}}
}

// siteURL is where a published port answers on the Docker host: every
// address includes the loopback one.
func siteURL(ip string, port int) pulumi.StringOutput {
	if ip == "0.0.0.0" {
		ip = "127.0.0.1"
	}
	return pulumi.Sprintf("http://%s:%d", ip, port)
}
