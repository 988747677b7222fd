package stacks_test

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// goImages are the GOPATH each Go base image sets: the official golang
// images set ENV GOPATH /go (docker-library/golang, Dockerfile-linux.template)
// and run as root, so the build cache is at root's $HOME/.cache/go-build.
var goImages = map[string]string{"golang": "/go"}

var (
	fromLine  = regexp.MustCompile(`(?i)^FROM\s+(\S+)`)
	envGopath = regexp.MustCompile(`(?i)^ENV\s+GOPATH[=\s]\s*(\S+)`)
	cacheRun  = regexp.MustCompile(`--mount=type=cache,[^\s]*target=([^\s,]+)`)
)

// The app image the docker target builds (app/Dockerfile) mounts its caches
// where go looks: the module cache under the image's GOPATH and the build
// cache under root's home. A mount elsewhere is never used, and every build
// downloads every module again.
func TestDockerfileCachesWhereGoLooks(t *testing.T) {
	f, err := os.Open("../app/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gopath, image := "", ""
	var mounts []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := fromLine.FindStringSubmatch(line); m != nil {
			image = m[1]
			name, _, _ := strings.Cut(image, ":")
			gopath = goImages[name]
			continue
		}
		if m := envGopath.FindStringSubmatch(line); m != nil {
			gopath = m[1]
		}
		for _, m := range cacheRun.FindAllStringSubmatch(line, -1) {
			if gopath == "" {
				t.Fatalf("a cache mount in a stage FROM %s, whose GOPATH the test does not know", image)
			}
			want := []string{gopath + "/pkg/mod", "/root/.cache/go-build"}
			if !slices.Contains(want, m[1]) {
				t.Errorf("cache mount at %s in the stage FROM %s: go uses %v there", m[1], image, want)
			}
			mounts = append(mounts, m[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(mounts)
	if want := []string{"/go/pkg/mod", "/root/.cache/go-build"}; !slices.Equal(mounts, want) {
		t.Errorf("cache mounts %v, want %v (the module cache and the build cache, once each)", mounts, want)
	}
}
