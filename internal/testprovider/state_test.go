package testprovider

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

type outs map[string]any

func (o outs) AsMap() map[string]any { return o }

func withPorts(ports ...map[string]any) resource.PropertyMap {
	var list []any
	for _, p := range ports {
		list = append(list, p)
	}
	return resource.NewPropertyMapFromMap(map[string]any{"ports": list})
}

// A Docker engine starts one container per host address: a second one
// publishing it is refused, on the same ip or on every address, until the
// first is deleted; an update in place keeps its own.
func TestContainersPublishingOneHostPort(t *testing.T) {
	const typ = "docker:index/container:Container"
	s := &State{Dir: t.TempDir()}
	loopback := map[string]any{"internal": 8080, "external": 8080, "ip": "127.0.0.1"}
	if err := s.Created(typ, "a", withPorts(loopback), outs{"name": "server-0-x"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Created(typ, "a", withPorts(loopback), outs{"name": "server-0-x"}); err != nil {
		t.Errorf("an update in place of the container holding the port: %v", err)
	}
	cases := []struct {
		name string
		port map[string]any
		fail bool
	}{
		{"same ip and port", loopback, true},
		{"every address, same port", map[string]any{"internal": 80, "external": 8080}, true},
		{"another port", map[string]any{"internal": 80, "external": 8081, "ip": "127.0.0.1"}, false},
		{"another ip", map[string]any{"internal": 80, "external": 8080, "ip": "127.0.0.2"}, false},
		{"udp", map[string]any{"internal": 80, "external": 8080, "ip": "127.0.0.1", "protocol": "udp"}, false},
		{"no host port", map[string]any{"internal": 80}, false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := string(rune('b' + i))
			err := s.Created(typ, id, withPorts(c.port), outs{"name": "lb-x"})
			if c.fail != (err != nil) {
				t.Fatalf("refused = %v (%v), want %v", err != nil, err, c.fail)
			}
			if err != nil && !strings.Contains(err.Error(), ":8080 failed: port is already allocated") {
				t.Errorf("the refusal does not read as Docker's: %v", err)
			}
			if err == nil {
				if err := s.Delete(typ, id, nil); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	if err := s.Delete(typ, "a", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Created(typ, "z", withPorts(loopback), outs{"name": "lb-x"}); err != nil {
		t.Errorf("after the holder is deleted: %v", err)
	}
}

// The provider waits for a container's health only where it has a check;
// what it did not wait for is listed.
func TestContainersWaitForTheirHealthCheck(t *testing.T) {
	const typ = "docker:index/container:Container"
	s := &State{Dir: t.TempDir()}
	checked := resource.NewPropertyMapFromMap(map[string]any{"wait": true, "healthcheck": map[string]any{"tests": []any{"CMD", "true"}}})
	if err := s.Created(typ, "a", checked, outs{"name": "db-x"}); err != nil {
		t.Fatal(err)
	}
	unchecked := resource.NewPropertyMapFromMap(map[string]any{"wait": true})
	if err := s.Created(typ, "b", unchecked, outs{"name": "web-x"}); err == nil || !strings.Contains(err.Error(), "no healthcheck") {
		t.Errorf("wait without a health check: %v", err)
	}
	if err := s.Created(typ, "c", resource.PropertyMap{}, outs{"name": "cache-x"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Unwaited()
	if err != nil || strings.Join(got, " ") != "cache-x" {
		t.Errorf("unwaited %v, %v; want cache-x", got, err)
	}
	if err := s.Delete(typ, "c", nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Unwaited(); len(got) != 0 {
		t.Errorf("a deleted container is still listed: %v", got)
	}
}

// Deleting an RDS instance: protected, it is refused; a primary keeps its
// named final snapshot, and a second snapshot of that name is refused; a
// replica takes none.
func TestDeletingRDSInstances(t *testing.T) {
	const typ = "aws:rds/instance:Instance"
	s := &State{Dir: t.TempDir()}
	props := func(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }
	primary := map[string]any{"deletionProtection": false, "skipFinalSnapshot": false, "finalSnapshotIdentifier": "db-x-final"}
	cases := []struct {
		name string
		outs map[string]any
		fail string
	}{
		{"protected", map[string]any{"deletionProtection": true, "skipFinalSnapshot": true}, "protected"},
		{"a primary with a final snapshot", primary, ""},
		{"a second one of the same snapshot name", primary, "DBSnapshotAlreadyExists"},
		{"a primary with an unnamed snapshot", map[string]any{"skipFinalSnapshot": false}, "final_snapshot_identifier"},
		{"a replica asked for a snapshot", map[string]any{"replicateSourceDb": "arn:aws:rds:eu-west-1:1:db:x", "skipFinalSnapshot": false, "finalSnapshotIdentifier": "r-final"}, "replica instance"},
		{"a replica", map[string]any{"replicateSourceDb": "arn:aws:rds:eu-west-1:1:db:x", "skipFinalSnapshot": true}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.Delete(typ, "db-x", props(c.outs))
			switch {
			case c.fail == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.fail != "" && (err == nil || !strings.Contains(err.Error(), c.fail)):
				t.Fatalf("got %v, want an error with %q", err, c.fail)
			}
		})
	}
	if got, err := s.Snapshots(); err != nil || len(got) != 1 || got[0] != "db-x-final" {
		t.Fatalf("snapshots kept: %v %v, want [db-x-final]", got, err)
	}
}
