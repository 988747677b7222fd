package boot_test

import (
	"fmt"
	"strings"

	"github.com/scalezero/scalezero/components/boot"
)

// A web host's user data: a bash script that stops at the first error.
func ExampleScript() {
	s, err := boot.Script(boot.Options{Role: "web", Region: "us-east-1", ParamPath: "/scalezero/dev/"})
	if err != nil {
		fmt.Println(err)
		return
	}
	lines := strings.Split(s, "\n")
	fmt.Println(lines[0])
	fmt.Println(strings.Contains(s, "set -euo pipefail"))
	// Output:
	// #!/bin/bash
	// true
}
