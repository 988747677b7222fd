package containers_test

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/containers"
	"github.com/scalezero/scalezero/graph/record"
)

// The docker target's stand-in for ElastiCache.
func ExampleNewRedis() {
	record.PrintCensus(func(ctx *pulumi.Context) error {
		_, err := containers.NewRedis(ctx, "cache", &containers.RedisArgs{
			Networks: []containers.Network{{Name: pulumi.String("scalezero")}}, MaxmemoryPolicy: "allkeys-lru",
		})
		return err
	})
	// Output:
	// docker:index/container:Container 1
	// docker:index/remoteImage:RemoteImage 1
}
