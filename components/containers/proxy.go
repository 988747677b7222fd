package containers

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// LoadBalancerArgs configure a LoadBalancer.
type LoadBalancerArgs struct {
	Backends []string // host names of the web containers (port AppPort)
	// Sticky keeps a client on one backend (ip_hash), as the ALB's
	// stickiness does while sessions live in each instance (phases 3-5).
	Sticky   bool
	HostPort int
	HostIP   string // the host address HostPort is published on
	Networks []Network
	// After are the backends' containers: nginx resolves their names when it
	// starts, so it must start after them.
	After []pulumi.Resource
	// TakesOver is the URN of the container that published HostPort in
	// other phases (see FleetContainerURN); "" for none.
	TakesOver string
	Tags      map[string]string
}

// LoadBalancer is nginx in front of the web containers.
type LoadBalancer struct {
	pulumi.ResourceState
	Container *docker.Container
	URL       pulumi.StringOutput // on the Docker host
	Config    string              // nginx's configuration
}

// LoadBalancerConfig is nginx's configuration for the backends, made for
// rollouts without errors. A web container is replaced by a new one that
// answers to the same name, healthy before the old one drains (10s) and
// stops:
//   - nginx resolves the names again through Docker's DNS every second
//     (resolver valid=1s, resolve), so it knows the new address while the
//     old one still serves;
//   - a request the old one no longer takes (connection refused, reset, or
//     an address gone: connect timeout 250ms) or answers 502/503 is passed
//     to the next address, of the same name or another, within 10s. Until
//     nginx resolves the names again it may hold the gone address of every
//     container of a rollout (they are replaced together), and a request
//     can try each: a connect on one host's bridge takes well under a
//     millisecond, so 250ms each keeps that to a fraction of a second
//     (at 1s, two gone addresses held a request 2s, which the end-to-end
//     run's prober counted as unanswered);
//   - a backend that fails is passed over for 2s.
//
// A POST nginx has sent is not retried (it may have been done): the app
// keeps serving while it drains, so only a stop mid-request loses one.
func LoadBalancerConfig(backends []string, sticky bool) string {
	var b strings.Builder
	b.WriteString("resolver 127.0.0.11 valid=1s ipv6=off;\n\nupstream app {\n    zone app 64k;\n")
	if sticky {
		b.WriteString("    ip_hash;\n")
	}
	for _, h := range backends {
		fmt.Fprintf(&b, "    server %s:%d resolve max_fails=1 fail_timeout=2s;\n", h, AppPort)
	}
	b.WriteString(`    keepalive 32;
}

server {
    listen 80;
    location / {
        proxy_pass http://app;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_connect_timeout 250ms;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_next_upstream_tries 0;
        proxy_next_upstream_timeout 10s;
        client_max_body_size 8m;
    }
` + nginxHealthLocation + `}
`)
	return b.String()
}

// NewLoadBalancer creates the proxy.
func NewLoadBalancer(ctx *pulumi.Context, name string, args *LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	if args == nil || len(args.Backends) == 0 {
		return nil, &shared.ArgError{Component: "containers.LoadBalancer", Arg: "Backends", Value: "none", Allowed: "at least one web container"}
	}
	if err := hostPort("containers.LoadBalancer", args.HostPort, args.HostIP); err != nil {
		return nil, err
	}
	if err := needNetworks("containers.LoadBalancer", args.Networks); err != nil {
		return nil, err
	}
	lb := &LoadBalancer{Config: LoadBalancerConfig(args.Backends, args.Sticky)}
	if err := ctx.RegisterComponentResource(shared.Project+":containers:LoadBalancer", name, lb, opts...); err != nil {
		return nil, err
	}
	var err error
	lb.Container, err = nginx(ctx, lb, service{name: name, nets: args.Networks, tags: args.Tags, takesOver: args.TakesOver}, args.HostPort, args.HostIP, map[string]string{"/etc/nginx/conf.d/default.conf": lb.Config}, pulumi.DependsOn(args.After))
	if err != nil {
		return nil, err
	}
	lb.URL = siteURL(args.HostIP, args.HostPort)
	return lb, ctx.RegisterResourceOutputs(lb, pulumi.Map{"url": lb.URL})
}

// CDNArgs configure a CDN.
type CDNArgs struct {
	Files    map[string][]byte // path under the site root (static/app.<hash>.css) -> body
	Headers  string            // the Cache-Control the files are served with
	HostPort int
	HostIP   string // the host address HostPort is published on
	Networks []Network
	Tags     map[string]string
}

// CDN is nginx serving the app's hashed static files, standing in for
// CloudFront and its bucket.
type CDN struct {
	pulumi.ResourceState
	Container *docker.Container
	BaseURL   pulumi.StringOutput
}

const cdnConfig = `server {
    listen 80;
    root /usr/share/nginx/html;
    location /static/ {
        add_header Cache-Control "%s";
        add_header Access-Control-Allow-Origin "*";
    }
` + nginxHealthLocation + `}
`

// nginxHealthLocation answers the container's health check from nginx
// itself; curl is in the nginx image (Debian variant).
const nginxHealthLocation = `    location = /nginx-health {
        access_log off;
        return 200 "ok\n";
    }
`

var nginxHealth = []string{"CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1/nginx-health"}

// NewCDN creates the file server.
func NewCDN(ctx *pulumi.Context, name string, args *CDNArgs, opts ...pulumi.ResourceOption) (*CDN, error) {
	if args == nil || len(args.Files) == 0 {
		return nil, &shared.ArgError{Component: "containers.CDN", Arg: "Files", Value: "none", Allowed: "the static files to serve"}
	}
	if err := hostPort("containers.CDN", args.HostPort, args.HostIP); err != nil {
		return nil, err
	}
	if err := needNetworks("containers.CDN", args.Networks); err != nil {
		return nil, err
	}
	c := &CDN{}
	if err := ctx.RegisterComponentResource(shared.Project+":containers:CDN", name, c, opts...); err != nil {
		return nil, err
	}
	files := map[string]string{"/etc/nginx/conf.d/default.conf": fmt.Sprintf(cdnConfig, args.Headers)}
	for path, body := range args.Files {
		files["/usr/share/nginx/html/"+strings.TrimPrefix(path, "/")] = string(body)
	}
	var err error
	if c.Container, err = nginx(ctx, c, service{name: name, nets: args.Networks, tags: args.Tags}, args.HostPort, args.HostIP, files); err != nil {
		return nil, err
	}
	c.BaseURL = siteURL(args.HostIP, args.HostPort)
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"baseUrl": c.BaseURL})
}

// nginx runs nginx as s with the given files, published on ip:port.
func nginx(ctx *pulumi.Context, parent pulumi.Resource, s service, port int, ip string, files map[string]string, opts ...pulumi.ResourceOption) (*docker.Container, error) {
	uploads := docker.ContainerUploadArray{}
	for _, path := range sortedKeys(files) {
		// base64: the files may be any bytes, and the graph stays one line each.
		uploads = append(uploads, docker.ContainerUploadArgs{File: pulumi.String(path), ContentBase64: pulumi.String(base64.StdEncoding.EncodeToString([]byte(files[path])))})
	}
	s.ref, s.health = NginxImage, nginxHealth
	return s.run(ctx, parent, docker.ContainerArgs{
		Ports:   publish(80, port, ip),
		Uploads: uploads,
	}, opts...)
}
