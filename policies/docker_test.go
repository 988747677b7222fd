package policies_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// The breaking cases of docker.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("docker.rego", map[string]breaker{
	"deny_docker_container_name": {target: "docker", phase: 3, want: "gets the name '-web'", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { find(t, g, tDocker, "web-0").Inputs["name"] = "-web" },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tDocker, "web-0", "name") }},
	"deny_docker_restart_policy": {target: "docker", phase: 3, want: "restarts by 'sometimes'", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { find(t, g, tDocker, "web-0").Inputs["restart"] = "sometimes" },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tDocker, "web-0", "restart") }},
	"deny_docker_image_reference": {target: "docker", phase: 3, want: "path component 'Nginx'", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { find(t, g, tRemote, "lb").Inputs["name"] = "Nginx:1.28-bookworm" },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRemote, "lb", "name") }},
	"stack_deny_container_undeclared_use": {target: "docker", phase: 2, want: "container 'db' mounts volume db-data ('db-data') without depending on it", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tVolume, "db-data").Inputs["name"] = "db-data"
			c := find(t, g, tDocker, "db")
			put(t, c, "volumes.0.volumeName", "db-data")
			dropDeps(c, "volumes")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tDocker, "db", "volumes.0.volumeName") }},
})
