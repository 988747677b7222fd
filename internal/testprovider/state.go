package testprovider

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// State is what the stand-in cloud holds across provider processes (the
// engine starts one per provider per run): objects and their versions in
// buckets, images in repositories, and the log of every secret value a
// provider received, for the test that searches the stack's state for them.
// Several processes share it, under a file lock.
type State struct{ Dir string }

type cloud struct {
	Buckets      map[string]*bucket  `json:"buckets"`
	Repositories map[string][]string `json:"repositories"` // repository URL -> image references
	// Published are the host addresses each docker container publishes
	// (container id -> "ip:port/protocol"): a Docker engine binds them when
	// it starts the container, and one address has one owner.
	Published map[string][]string `json:"published"`
	// Containers are the docker containers by id, with whether the create
	// waited for their health check to pass (the provider's wait).
	Containers map[string]container `json:"containers"`
	// Snapshots are the final snapshots of deleted RDS instances (name ->
	// the instance's id): RDS keeps them after the instance is gone and
	// refuses a second one of the same name.
	Snapshots map[string]string `json:"snapshots"`
}

type container struct {
	Name   string `json:"name"`
	Waited bool   `json:"waited"`
}

type bucket struct {
	// Versioned: versioning has been enabled at some point. Suspending it
	// later keeps every version written, so it stays true.
	Versioned bool           `json:"versioned"`
	Objects   map[string]int `json:"objects"`  // key -> versions written
	Versions  int            `json:"versions"` // versions left by deleted objects
}

func (b *bucket) empty() bool { return len(b.Objects) == 0 && b.Versions == 0 }

// with runs f on the cloud under the lock and saves what it changed.
func (s *State) with(f func(c *cloud) error) error {
	if s.Dir == "" {
		return nil
	}
	lock, err := os.OpenFile(filepath.Join(s.Dir, "cloud.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // released on close too
	path := filepath.Join(s.Dir, "cloud.json")
	c := &cloud{}
	if raw, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(raw, c); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if c.Buckets == nil {
		c.Buckets = map[string]*bucket{}
	}
	if c.Repositories == nil {
		c.Repositories = map[string][]string{}
	}
	if c.Published == nil {
		c.Published = map[string][]string{}
	}
	if c.Containers == nil {
		c.Containers = map[string]container{}
	}
	if c.Snapshots == nil {
		c.Snapshots = map[string]string{}
	}
	if err := f(c); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o600)
}

func (c *cloud) bucket(name string) *bucket {
	b := c.Buckets[name]
	if b == nil {
		b = &bucket{Objects: map[string]int{}}
		c.Buckets[name] = b
	}
	if b.Objects == nil {
		b.Objects = map[string]int{}
	}
	return b
}

// Created records what a create or update of the resource id puts in the
// cloud, and refuses a container that publishes a host address another
// container holds, as a Docker engine refuses to start it.
func (s *State) Created(typ, id string, inputs resource.PropertyMap, outs interface{ AsMap() map[string]any }) error {
	o := outs.AsMap()
	get := func(k string) string { v, _ := o[k].(string); return v }
	return s.with(func(c *cloud) error {
		switch typ {
		case "docker:index/container:Container":
			wait := boolean(inputs, "wait")
			if wait && len(healthTests(inputs)) == 0 {
				// The provider cannot wait for a health no check reports.
				return fmt.Errorf("container %s: wait is true but the container has no healthcheck", get("name"))
			}
			c.Containers[id] = container{Name: get("name"), Waited: wait}
			addrs := published(inputs)
			for other, held := range c.Published {
				if other == id {
					continue // an update in place keeps its own ports
				}
				for _, a := range addrs {
					for _, h := range held {
						if sameHostPort(a, h) {
							return fmt.Errorf("Unable to start container: Error response from daemon: driver failed programming external connectivity on endpoint %s (%s): Bind for %s failed: port is already allocated (held by container %s)", get("name"), id, strings.TrimSuffix(a, "/tcp"), other)
						}
					}
				}
			}
			if len(addrs) > 0 {
				c.Published[id] = addrs
			} else {
				delete(c.Published, id)
			}
		case "aws:s3/bucketV2:BucketV2":
			c.bucket(get("bucket"))
		case "aws:s3/bucketVersioningV2:BucketVersioningV2":
			cfg, _ := o["versioningConfiguration"].(map[string]any)
			status, _ := cfg["status"].(string)
			if status == "Enabled" {
				c.bucket(get("bucket")).Versioned = true
			}
		case "aws:s3/bucketObjectv2:BucketObjectv2":
			c.bucket(get("bucket")).Objects[get("key")]++
		case "aws:ecr/repository:Repository":
			if _, ok := c.Repositories[get("repositoryUrl")]; !ok {
				c.Repositories[get("repositoryUrl")] = []string{}
			}
		case "docker:index/image:Image":
			if boolean(inputs, "skipPush") {
				return nil
			}
			ref := get("imageName")
			for repo := range c.Repositories {
				if strings.HasPrefix(ref, repo+":") || strings.HasPrefix(ref, repo+"@") || ref == repo {
					c.Repositories[repo] = append(c.Repositories[repo], ref)
				}
			}
		}
		return nil
	})
}

// Delete refuses what AWS refuses, and otherwise forgets what goes.
func (s *State) Delete(typ, id string, outs resource.PropertyMap) error {
	switch typ {
	case "aws:rds/instance:Instance":
		if boolean(outs, "deletionProtection") {
			return errors.New("InvalidParameterCombination: Cannot delete protected DB Instance, please disable deletion protection and try again.")
		}
		replica := str(outs, "replicateSourceDb") != ""
		if !boolean(outs, "skipFinalSnapshot") && str(outs, "finalSnapshotIdentifier") == "" && !replica {
			return errors.New("final_snapshot_identifier is required when skip_final_snapshot is false")
		}
		// RDS takes no final snapshot of a read replica (DeleteDBInstance:
		// FinalDBSnapshotIdentifier "can't be specified when deleting a
		// read replica").
		if replica && str(outs, "finalSnapshotIdentifier") != "" && !boolean(outs, "skipFinalSnapshot") {
			return errors.New("InvalidParameterCombination: FinalDBSnapshotIdentifier can not be specified when deleting a replica instance")
		}
	case "aws:lb/loadBalancer:LoadBalancer":
		if boolean(outs, "enableDeletionProtection") {
			return fmt.Errorf("OperationNotPermitted: Load balancer '%s' cannot be deleted because deletion protection is enabled", id)
		}
	}
	return s.with(func(c *cloud) error {
		switch typ {
		case "aws:rds/instance:Instance":
			if name := str(outs, "finalSnapshotIdentifier"); name != "" && !boolean(outs, "skipFinalSnapshot") {
				if _, ok := c.Snapshots[name]; ok {
					return fmt.Errorf("DBSnapshotAlreadyExists: Cannot create the snapshot because a snapshot with the identifier %s already exists.", name)
				}
				c.Snapshots[name] = id
			}
		case "aws:s3/bucketObjectv2:BucketObjectv2":
			b := c.bucket(str(outs, "bucket"))
			if b.Versioned {
				// The object's versions stay, behind a delete marker,
				// whether versioning is still on or was suspended (which
				// is what deleting a BucketVersioningV2 does): only
				// deleting each version empties a versioned bucket.
				b.Versions += b.Objects[str(outs, "key")] + 1
			}
			delete(b.Objects, str(outs, "key"))
		case "aws:s3/bucketV2:BucketV2":
			name := str(outs, "bucket")
			if b := c.Buckets[name]; b != nil && !b.empty() && !boolean(outs, "forceDestroy") {
				return fmt.Errorf("BucketNotEmpty: The bucket you tried to delete is not empty. You must delete all versions in the bucket. (bucket %s: %d objects, %d noncurrent versions)", name, len(b.Objects), b.Versions)
			}
			delete(c.Buckets, name)
		case "docker:index/container:Container":
			delete(c.Published, id)
			delete(c.Containers, id)
		case "aws:ecr/repository:Repository":
			url := str(outs, "repositoryUrl")
			if imgs := c.Repositories[url]; len(imgs) > 0 && !boolean(outs, "forceDelete") {
				return fmt.Errorf("RepositoryNotEmptyException: The repository with name '%s' in registry with id '%s' cannot be deleted because it still contains images", str(outs, "name"), str(outs, "registryId"))
			}
			delete(c.Repositories, url)
		}
		return nil
	})
}

// published lists the host addresses a container's ports bind, as
// "ip:port/protocol"; Docker binds every address (0.0.0.0) when no ip is
// given, and publishes no host port for a port without an external one.
func published(inputs resource.PropertyMap) []string {
	v, ok := inputs["ports"]
	if !ok || !v.IsArray() {
		return nil
	}
	var out []string
	for _, p := range v.ArrayValue() {
		if !p.IsObject() {
			continue
		}
		m := p.ObjectValue()
		ext, ok := m["external"]
		if !ok || !ext.IsNumber() {
			continue
		}
		ip, proto := str(m, "ip"), str(m, "protocol")
		if ip == "" {
			ip = "0.0.0.0"
		}
		if proto == "" {
			proto = "tcp"
		}
		out = append(out, fmt.Sprintf("%s:%d/%s", ip, int(ext.NumberValue()), proto))
	}
	return out
}

// healthTests is the container's health-check command.
func healthTests(inputs resource.PropertyMap) []resource.PropertyValue {
	hc, ok := inputs["healthcheck"]
	if !ok || !hc.IsObject() {
		return nil
	}
	tests, ok := hc.ObjectValue()["tests"]
	if !ok || !tests.IsArray() {
		return nil
	}
	return tests.ArrayValue()
}

// Unwaited lists the containers whose create returned without waiting for
// their health check: `pulumi up` may end before they can serve.
func (s *State) Unwaited() ([]string, error) {
	var out []string
	err := s.with(func(c *cloud) error {
		for _, ctr := range c.Containers {
			if !ctr.Waited {
				out = append(out, ctr.Name)
			}
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// sameHostPort reports whether two bindings want the same host port: the
// same port and protocol on the same address, or either on every address.
func sameHostPort(a, b string) bool {
	ipA, portA, _ := strings.Cut(a, ":")
	ipB, portB, _ := strings.Cut(b, ":")
	if portA != portB {
		return false
	}
	return ipA == ipB || ipA == "0.0.0.0" || ipB == "0.0.0.0"
}

// HasBucket reports whether the stand-in cloud holds a bucket of that name.
func (s *State) HasBucket(name string) (bool, error) {
	has := false
	err := s.with(func(c *cloud) error {
		_, has = c.Buckets[name]
		return nil
	})
	return has, err
}

// PutObject stands in for the app writing to a bucket (a job's input).
func (s *State) PutObject(bucketName, key string) error {
	return s.with(func(c *cloud) error {
		if _, ok := c.Buckets[bucketName]; !ok {
			return fmt.Errorf("no bucket %q", bucketName)
		}
		c.bucket(bucketName).Objects[key]++
		return nil
	})
}

const secretsLog = "secrets.jsonl"

// LogSecrets appends the plain value of every secret in props.
func (s *State) LogSecrets(props resource.PropertyMap) error {
	var found []string
	var walk func(v resource.PropertyValue, secret bool)
	walk = func(v resource.PropertyValue, secret bool) {
		switch {
		case v.IsSecret():
			walk(v.SecretValue().Element, true)
		case v.IsObject():
			for _, e := range v.ObjectValue() {
				walk(e, secret)
			}
		case v.IsArray():
			for _, e := range v.ArrayValue() {
				walk(e, secret)
			}
		case v.IsString() && secret && v.StringValue() != "":
			found = append(found, v.StringValue())
		}
	}
	for _, v := range props {
		walk(v, false)
	}
	return s.appendSecrets(found)
}

// credentials are invoke results that are secrets by nature though the
// provider does not mark them: a registry password is one.
var credentials = map[string][]string{
	"aws:ecr/getAuthorizationToken:getAuthorizationToken": {"password", "authorizationToken"},
}

// LogCredentials logs the credentials an invoke returned.
func (s *State) LogCredentials(token string, out resource.PropertyMap) error {
	var found []string
	for _, k := range credentials[token] {
		if v := str(out, k); v != "" {
			found = append(found, v)
		}
	}
	return s.appendSecrets(found)
}

func (s *State) appendSecrets(values []string) error {
	if s.Dir == "" || len(values) == 0 {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(s.Dir, secretsLog), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, v := range values {
		line, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if _, err := f.Write(append(line, '\n')); err != nil {
			return err
		}
	}
	return nil
}

// Secrets returns every secret value the providers received.
func (s *State) Secrets() ([]string, error) {
	f, err := os.Open(filepath.Join(s.Dir, secretsLog))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	seen := map[string]bool{}
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var v string
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, err
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out, sc.Err()
}

// Snapshots lists the final snapshots RDS kept of deleted instances.
func (s *State) Snapshots() ([]string, error) {
	var out []string
	err := s.with(func(c *cloud) error {
		for name := range c.Snapshots {
			out = append(out, name)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
