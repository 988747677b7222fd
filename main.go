// Command scalezero is the Pulumi program: `pulumi up` runs it.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/stacks"
)

func main() {
	pulumi.Run(stacks.Program)
}
