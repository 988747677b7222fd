package containers

import (
	"fmt"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// RedisPort is where the cache listens on the networks.
const RedisPort = 6379

// RedisArgs configure a Redis.
type RedisArgs struct {
	Networks        []Network
	AuthToken       pulumi.StringInput // the AUTH the AWS cache has; nil: none (phase 1's cache on the server)
	MaxmemoryPolicy string
	Tags            map[string]string
}

// Redis is the cache and session store of phases 5 on.
type Redis struct {
	pulumi.ResourceState
	Container *docker.Container
	Addr      pulumi.StringOutput // host:port on the networks
}

// redisConf is where the cache's config lives in its container.
const redisConf = "/usr/local/etc/redis/redis.conf"

// RedisHealth passes when the cache answers PING with PONG; the password,
// where there is one, is read from the config file, so it is in no
// container definition or process list.
var RedisHealth = []string{"CMD-SHELL", `pass=$(sed -n 's/^requirepass //p' ` + redisConf + `); if [ -n "$pass" ]; then export REDISCLI_AUTH="$pass"; fi; redis-cli -p ` + fmt.Sprint(RedisPort) + ` ping | grep -qx PONG`}

// RedisConfig is the cache's redis.conf. Without a password Redis answers
// only loopback unless told otherwise; the stack's network is the boundary
// then (phase 1's cache on the server).
func RedisConfig(maxmemoryPolicy, password string) string {
	conf := fmt.Sprintf("port %d\nmaxmemory 256mb\nmaxmemory-policy %s\nappendonly no\n", RedisPort, maxmemoryPolicy)
	if password == "" {
		return conf + "protected-mode no\n"
	}
	return conf + "requirepass " + password + "\n"
}

// NewRedis creates the cache. Its config, AUTH included, is a file, so the
// token is in no command line.
func NewRedis(ctx *pulumi.Context, name string, args *RedisArgs, opts ...pulumi.ResourceOption) (*Redis, error) {
	bad := shared.Invalid("containers.Redis")
	switch {
	case args == nil:
		return nil, bad("args", nil, "non-nil RedisArgs")
	case args.MaxmemoryPolicy == "":
		return nil, bad("MaxmemoryPolicy", "", "an eviction policy such as allkeys-lru")
	}
	if err := needNetworks("containers.Redis", args.Networks); err != nil {
		return nil, err
	}
	r := &Redis{}
	if err := ctx.RegisterComponentResource(shared.Project+":containers:Redis", name, r, opts...); err != nil {
		return nil, err
	}
	var conf pulumi.StringOutput
	if args.AuthToken != nil {
		conf = pulumi.ToSecret(args.AuthToken.ToStringOutput().ApplyT(func(token string) string {
			return RedisConfig(args.MaxmemoryPolicy, token)
		})).(pulumi.StringOutput)
	} else {
		conf = pulumi.String(RedisConfig(args.MaxmemoryPolicy, "")).ToStringOutput()
	}
	var err error
	if r.Container, err = (service{name: name, nets: args.Networks, tags: args.Tags, ref: RedisImage, health: RedisHealth}).run(ctx, r, docker.ContainerArgs{
		Command: pulumi.ToStringArray([]string{"redis-server", redisConf}),
		Uploads: docker.ContainerUploadArray{docker.ContainerUploadArgs{File: pulumi.String(redisConf), Content: conf}},
	}); err != nil {
		return nil, err
	}
	r.Addr = pulumi.Sprintf("%s:%d", name, RedisPort)
	return r, ctx.RegisterResourceOutputs(r, pulumi.Map{"addr": r.Addr})
}
