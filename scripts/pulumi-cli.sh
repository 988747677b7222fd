#!/usr/bin/env bash
# Prints the path of the Pulumi CLI at the version go.mod pins for the SDK,
# building it from the Go module proxy (tools/pulumi) when it is not cached
# yet. The binary lives outside the checkout, keyed by version, so every clone
# on this machine shares it; building it takes a few minutes once.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(awk '$1 == "github.com/pulumi/pulumi/sdk/v3" { print $2 }' "$root/go.mod")"
tools="$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { print $2 }' "$root/tools/pulumi/go.mod")"
if [ -z "$version" ] || [ "$version" != "$tools" ]; then
	echo "pulumi-cli: go.mod pins sdk/v3 ${version:-nothing} but tools/pulumi/go.mod builds pkg/v3 ${tools:-nothing}; make them equal" >&2
	exit 1
fi
dir="${SCALEZERO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scalezero}/pulumi-$version"
bin="$dir/bin/pulumi" # the layout the Automation API expects under a root
if [ ! -x "$bin" ]; then
	mkdir -p "$dir/bin"
	# One build at a time: clones and test runs on one machine share the
	# binary, and a second build would write the same file.
	exec 9>"$dir/build.lock"
	flock 9
fi
if [ ! -x "$bin" ]; then
	echo "pulumi-cli: building the Pulumi CLI $version into $dir (a few minutes, once)" >&2
	(cd "$root/tools/pulumi" && nice -n 10 go build -o "$bin.tmp" \
		-ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
		github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
	mv "$bin.tmp" "$bin"
fi
echo "$bin"
