package containers

import (
	"fmt"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// AppPort is where the app listens in its container.
const AppPort = 8080

// appHealth asks the instance's own /readyz (the web tier's and the
// worker's: database reachable, migrations done, not draining) with the
// binary's probe command: the image has no shell or curl.
var appHealth = []string{"CMD", "/usr/local/bin/scalezero", "probe", fmt.Sprintf("http://127.0.0.1:%d/readyz", AppPort)}

// stopSeconds is how long a stopped app container has to drain: the app's
// drain_delay (10s) and shutdown_timeout (20s), with room to spare.
const stopSeconds = 40

// AppFleetArgs configure an AppFleet.
type AppFleetArgs struct {
	Role     string             // web or worker: the app's subcommand
	Count    int                // containers; a fixed count stands in for the ASG
	Image    pulumi.StringInput // the app image built by the stack
	Env      map[string]pulumi.StringInput
	Networks []Network
	HostPort int    // 0: no port on the host (behind a load balancer, or a worker)
	HostIP   string // the host address HostPort is published on
	// TakesOver is the URN of the container that published HostPort in
	// other phases (see LoadBalancerContainerURN); "" for none.
	TakesOver string
	Tags      map[string]string
}

// AppFleet is Count app containers, named <name>-<i>.
type AppFleet struct {
	pulumi.ResourceState
	Containers []*docker.Container
	Hosts      []string // names on the networks
}

// NewAppFleet creates the containers.
func NewAppFleet(ctx *pulumi.Context, name string, args *AppFleetArgs, opts ...pulumi.ResourceOption) (*AppFleet, error) {
	bad := shared.Invalid("containers.AppFleet")
	switch {
	case args == nil:
		return nil, bad("args", nil, "non-nil AppFleetArgs")
	case args.Role != "web" && args.Role != "worker":
		return nil, bad("Role", args.Role, "web or worker")
	case args.Count < 1 || args.Count > 50:
		return nil, bad("Count", args.Count, "1 to 50")
	case args.Image == nil:
		return nil, bad("Image", nil, "the app image")
	case args.HostPort != 0 && args.Count != 1:
		return nil, bad("HostPort", args.HostPort, "0 unless Count is 1 (one host port, one container)")
	case args.TakesOver != "" && args.HostPort == 0:
		return nil, bad("TakesOver", args.TakesOver, "empty unless HostPort is set (it hands over a host port)")
	}
	if args.HostPort != 0 {
		if err := hostPort("containers.AppFleet", args.HostPort, args.HostIP); err != nil {
			return nil, err
		}
	}
	if err := needNetworks("containers.AppFleet", args.Networks); err != nil {
		return nil, err
	}
	f := &AppFleet{}
	if err := ctx.RegisterComponentResource(shared.Project+":containers:AppFleet", name, f, opts...); err != nil {
		return nil, err
	}
	for i := range args.Count {
		host := fmt.Sprintf("%s-%d", name, i)
		c := docker.ContainerArgs{
			Command: pulumi.ToStringArray([]string{args.Role}),
			Envs:    envList(args.Env),
			// The app drains on SIGTERM (/readyz 503, drain_delay 10s,
			// then shutdown_timeout 20s for requests in flight); without
			// a grace period the provider stops a container it destroys
			// with a 0 s timeout (SIGKILL at once).
			StopTimeout:         pulumi.Int(stopSeconds),
			DestroyGraceSeconds: pulumi.Int(stopSeconds),
		}
		var extra []pulumi.ResourceOption
		if args.HostPort != 0 {
			c.Ports = publish(AppPort, args.HostPort, args.HostIP)
		} else {
			// A rollout as the AWS fleet's: the new container is created
			// and healthy (it answers to the same name on the networks)
			// before the old one is stopped, where the provider would
			// delete first (its default for containers).
			extra = append(extra, pulumi.DeleteBeforeReplace(false))
		}
		ctr, err := (service{name: host, nets: args.Networks, tags: args.Tags, image: args.Image, takesOver: args.TakesOver, health: appHealth}).run(ctx, f, c, extra...)
		if err != nil {
			return nil, err
		}
		f.Containers = append(f.Containers, ctr)
		f.Hosts = append(f.Hosts, host)
	}
	return f, ctx.RegisterResourceOutputs(f, pulumi.Map{"hosts": pulumi.ToStringArray(f.Hosts)})
}
