package policies_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/policies"
)

// The breaking cases of rds.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("rds.rego", map[string]breaker{
	"stack_deny_replica_of_managed_password": {phase: 4, want: "whose master password Secrets Manager manages", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			db := find(t, g, tRDS, "db")
			delete(db.Inputs, "password")
			db.Inputs["manageMasterUserPassword"] = true
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRDS, "db", "manageMasterUserPassword") }},
	"stack_deny_replica_source_without_backups": {phase: 4, want: "which keeps no automated backups", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			src := find(t, g, tRDS, "db-replica-1")
			chain := clone(t, g, tRDS, "db-replica-1", "db-replica-chain")
			dropDeps(chain, "replicateSourceDb")
			dependOn(chain, "replicateSourceDb", src.URN)
		},
		disable: []string{"stack_deny_db_storage_unwatched", "stack_deny_replica_lag_unwatched"}, // the clone has no alarms
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRDS, "db-replica-1", "backupRetentionPeriod") }},
	"stack_deny_cross_region_replica": {phase: 7, want: "without a kmsKeyId of its own region", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			r := find(t, g, tRDS, "db-secondary")
			delete(r.Inputs, "kmsKeyId")
			dropDeps(r, "kmsKeyId")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRDS, "db", "storageEncrypted") }},
	// An unencrypted source breaks the best-practice deny_rds_unencrypted too.
	"stack_deny_encrypted_replica_of_plain_source": setting(4, tRDS, "db", "storageEncrypted", false, "is encrypted but its source 'db' is not").disabling("deny_rds_unencrypted"),
	"stack_deny_too_many_replicas": {phase: 4, want: "has 16 read replicas", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			for i := 2; i <= 16; i++ {
				clone(t, g, tRDS, "db-replica-1", "db-replica-x"+repeat("i", i))
			}
		},
		// The clones have no alarms of their own.
		disable:    []string{"stack_deny_db_storage_unwatched", "stack_deny_replica_lag_unwatched"},
		structural: "counts replicas by their dependencies, which a preview knows"},
	"stack_deny_replica_storage_ceiling": {phase: 4, want: "read replica 'db-replica-1' has no storage autoscaling", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			delete(find(t, g, tRDS, "db-replica-1").Inputs, "maxAllocatedStorage")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRDS, "db-replica-1", "maxAllocatedStorage") }},
	"stack_deny_db_parameter_group_family": setting(2, tPG, "db", "family", "postgres15", "is of family postgres15"),
	"stack_deny_db_subnet_group_zones":     oneSubnet(2, tDBSubnet, "db", "subnetIds", "net-data-us-east-1a", "spans 1 availability zone(s)"),
	"deny_rds_identifier":                  setting(2, tRDS, "db", "identifier", "1db", "gets the identifier '1db'"),
	"deny_rds_minor_version_pinned":        setting(2, tRDS, "db", "engineVersion", "16.6", "pins postgres 16.6").withUnknown(tRDS, "db", "autoMinorVersionUpgrade"),
	"deny_rds_password_and_managed_password": {phase: 2, want: "sets both password and manageMasterUserPassword", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			db := find(t, g, tRDS, "db")
			db.Inputs["password"], db.Inputs["manageMasterUserPassword"] = graph.Secret, true
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRDS, "db", "manageMasterUserPassword") }},
	"deny_rds_master_password":    setting(2, tRDS, "db", "password", "has@sign1", "has a master password RDS refuses (9 characters").secret(),
	"deny_rds_multi_az_with_zone": setting(4, tRDS, "db", "availabilityZone", "us-east-1a", "is Multi-AZ and names an availability zone").withUnknown(tRDS, "db", "multiAz"),
	"deny_rds_final_snapshot_unnamed": {phase: 2, want: "keeps a final snapshot but names none", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			db := find(t, g, tRDS, "db")
			db.Inputs["skipFinalSnapshot"] = false
			delete(db.Inputs, "finalSnapshotIdentifier")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRDS, "db", "skipFinalSnapshot") }},
	"deny_rds_storage_and_backups": setting(2, tRDS, "db", "allocatedStorage", 10, "allocates 10 GiB"),
	"deny_rds_group_names":         setting(2, tPG, "db", "name", "1pg", "gets the name '1pg'"),
	"deny_rds_public": {phase: 2, want: "publicly accessible", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tRDS, "db").Inputs["publiclyAccessible"] = true
	}},
	"deny_rds_unencrypted": {phase: 2, want: "does not encrypt", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tRDS, "db").Inputs["storageEncrypted"] = false
	}},
	"deny_rds_no_backups": {phase: 2, want: "keeps no backups", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tRDS, "db").Inputs["backupRetentionPeriod"] = 0
	}},
	"stack_deny_db_multi_az": {phase: 4, want: "no Multi-AZ standby", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tRDS, "db").Inputs["multiAz"] = false
	}},
})

// The storage-autoscaling ceiling clause of deny_rds_storage_and_backups
// (the breaking case above covers the allocation's range): RDS wants the
// ceiling at least 10% above the allocation, so 21 GiB over 20 fails and 22
// passes.
func TestStorageCeilingTenPercentAbove(t *testing.T) {
	for ceiling, fires := range map[float64]bool{21: true, 22: false} {
		g := graphOf(t, "aws", 2)
		db := find(t, g, tRDS, "db")
		db.Inputs["allocatedStorage"], db.Inputs["maxAllocatedStorage"] = float64(20), ceiling
		fired := false
		for _, v := range evaluate(t, g, policies.Config{}) {
			if v.Rule == "deny_rds_storage_and_backups" && strings.Contains(v.Message, "less than 10% above allocatedStorage 20") {
				fired = true
			}
		}
		if fired != fires {
			t.Errorf("maxAllocatedStorage %v over 20 GiB: fired %v, want %v", ceiling, fired, fires)
		}
	}
}

// The ceiling clause of stack_deny_replica_storage_ceiling, on every kind of
// replica the stack makes (same-region, the cross-region copy, a shard's):
// off (0) or below the source's fires; the source's ceiling passes; an
// unknown ceiling on either side fires nothing.
func TestReplicaStorageCeiling(t *testing.T) {
	cases := []struct {
		name, replica, source string
		phase                 int
		ceiling               any // the replica's maxAllocatedStorage
		unknownSource         bool
		want                  string // a part of the message; "" for none
	}{
		{"off", "db-replica-1", "db", 4, float64(0), false, "has no storage autoscaling"},
		{"below", "db-replica-1", "db", 4, float64(50), false, "grows to 50 GiB (maxAllocatedStorage), its source 'db' to 100 GiB"},
		{"equal", "db-replica-1", "db", 4, float64(100), false, ""},
		{"cross-region below", "db-secondary", "db", 7, float64(50), false, "read replica 'db-secondary' grows to 50 GiB"},
		{"shard replica below", "shard-1-replica-1", "shard-1", 9, float64(50), false, "read replica 'shard-1-replica-1' grows to 50 GiB"},
		{"unknown replica", "db-replica-1", "db", 4, graph.Unknown, false, ""},
		{"unknown source", "db-replica-1", "db", 4, float64(50), true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := graphOf(t, "aws", c.phase)
			src := find(t, g, tRDS, c.source)
			src.Inputs["maxAllocatedStorage"] = float64(100)
			if c.unknownSource {
				src.Inputs["maxAllocatedStorage"] = graph.Unknown
			}
			find(t, g, tRDS, c.replica).Inputs["maxAllocatedStorage"] = c.ceiling
			var got []string
			for _, v := range evaluate(t, g, policies.Config{}) {
				if v.Rule == "stack_deny_replica_storage_ceiling" {
					got = append(got, v.Message)
				}
			}
			switch {
			case c.want == "" && len(got) > 0:
				t.Errorf("fired: %v", got)
			case c.want != "" && (len(got) != 1 || !strings.Contains(got[0], c.want)):
				t.Errorf("got %v, want one message with %q", got, c.want)
			}
		})
	}
}

// The runbook's steps after a failover (docs/failover.md) pass the pack: a
// promoted copy in the second region is a primary without a Multi-AZ
// standby, and the first region's copies replicate from it across regions,
// which is no reason for one; the retiring primaries keep no deletion
// protection on purpose.
func TestTheRunbookStepsPass(t *testing.T) {
	steps := map[string][]string{
		"failover":   {"writerRegion=eu-west-1", "lostRegion=us-east-1"},
		"retire":     {"writerRegion=eu-west-1", "primaryDatabases=retiring"},
		"failback":   {"writerRegion=eu-west-1", "primaryDatabases=copies"},
		"pause":      {"writerRegion=eu-west-1", "primaryDatabases=copies", "writesPaused=true"},
		"switchover": {"primaryDatabases=copies", "writesPaused=true"},
	}
	for _, phase := range []int{7, 9} {
		for name, set := range steps {
			t.Run(fmt.Sprintf("phase%d/%s", phase, name), func(t *testing.T) {
				for _, v := range evaluate(t, graphOf(t, "aws", phase, set...), nil) {
					if v.Level == policies.Mandatory {
						t.Errorf("%s %s: %s", v.Rule, v.Resource, v.Message)
					}
				}
			})
		}
	}
}
