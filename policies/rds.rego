package scalezero

import rego.v1

# Amazon RDS: DB instances, read replicas, parameter and subnet groups.

rds := "aws:rds/instance:Instance"

# The instance a read replica copies (by dependency: its value is unknown in a
# preview, an identifier or an ARN once known).
replica_source(replica) := src if {
	is_type(replica, rds)
	has_key(replica, "replicateSourceDb")
	some u in deps(replica, "replicateSourceDb")
	src := by_urn(u)
	is_type(src, rds)
}

replicas := [r | some r in resources_of(rds); replica_source(r)]

# METADATA
# title: No read replica of a source whose password Secrets Manager manages
# description: RDS does not create a read replica of a DB instance whose master user password Secrets Manager manages (manageMasterUserPassword), for every engine but SQL Server.
# custom:
#   kind: preflight
#   types: [aws:rds/instance:Instance]
#   doc: 'Amazon RDS User Guide, "Password management with Amazon RDS and AWS Secrets Manager", section "Limitations for Secrets Manager integration with Amazon RDS" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html)'
#   message: Give the source a master password the stack owns (a Pulumi secret kept in a Secrets Manager secret) instead of manageMasterUserPassword.
stack_deny_replica_of_managed_password contains msg if {
	some replica in replicas
	src := replica_source(replica)
	flag(src, "manageMasterUserPassword", false)
	msg := sprintf("read replica '%s' copies '%s', whose master password Secrets Manager manages (manageMasterUserPassword); RDS refuses to create it", [replica.__name, src.__name])
}

no_backups(db) if num(db, "backupRetentionPeriod") == 0

# Replicas are created with backups off unless they set a retention period.
no_backups(db) if {
	has_key(db, "replicateSourceDb")
	not has_key(db, "backupRetentionPeriod")
}

# METADATA
# title: A read replica's source keeps automated backups
# description: A DB instance is a source of read replicas only with automatic backups on (backup retention period other than 0); this applies to a replica that is itself a source too.
# custom:
#   kind: preflight
#   types: [aws:rds/instance:Instance]
#   doc: 'Amazon RDS User Guide, "Creating a read replica" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Create.html)'
#   message: Set backupRetentionPeriod to 1-35 on every instance that other instances replicate.
stack_deny_replica_source_without_backups contains msg if {
	some replica in replicas
	src := replica_source(replica)
	no_backups(src)
	msg := sprintf("read replica '%s' copies '%s', which keeps no automated backups; RDS refuses a replica of it", [replica.__name, src.__name])
}

cross_region(replica, src) if {
	a := region_of(replica)
	b := region_of(src)
	a != b
}

# The region of the KMS key an instance's kmsKeyId names: its provider's when
# it is a key of the stack, else the region in its ARN.
kms_region(db) := region if {
	some u in deps(db, "kmsKeyId")
	key := by_urn(u)
	is_type(key, "aws:kms/key:Key")
	region := region_of(key)
}

kms_region(db) := region if {
	not stack_key(db)
	region := arn_region(db.kmsKeyId)
}

stack_key(db) if {
	some u in deps(db, "kmsKeyId")
	is_type(by_urn(u), "aws:kms/key:Key")
}

# METADATA
# title: A cross-region replica names its source by ARN and has a key of its own region
# description: A read replica in another region than its source takes the source's ARN, and when encrypted a KMS key of the replica's region (KMS keys are regional).
# custom:
#   kind: preflight
#   types: [aws:rds/instance:Instance, aws:kms/key:Key]
#   doc: 'Amazon RDS API Reference, "CreateDBInstanceReadReplica" (SourceDBInstanceIdentifier, KmsKeyId) (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html); Amazon RDS User Guide, "Creating a read replica in a different AWS Region" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.XRgn.html)'
#   message: Set replicateSourceDb to the source's arn and kmsKeyId to a key created with the replica's regional provider.
stack_deny_cross_region_replica contains msg if {
	some replica in replicas
	src := replica_source(replica)
	cross_region(replica, src)
	source := str(replica, "replicateSourceDb")
	not startswith(source, "arn:")
	msg := sprintf("read replica '%s' is in %s and its source '%s' in %s, but replicateSourceDb is not the source's ARN", [replica.__name, region_of(replica), src.__name, region_of(src)])
}

stack_deny_cross_region_replica contains msg if {
	some replica in replicas
	src := replica_source(replica)
	cross_region(replica, src)
	flag(src, "storageEncrypted", false)
	not has_key(replica, "kmsKeyId")
	msg := sprintf("read replica '%s' copies the encrypted '%s' from %s into %s without a kmsKeyId of its own region", [replica.__name, src.__name, region_of(src), region_of(replica)])
}

stack_deny_cross_region_replica contains msg if {
	some replica in replicas
	src := replica_source(replica)
	cross_region(replica, src)
	key_region := kms_region(replica)
	key_region != region_of(replica)
	msg := sprintf("read replica '%s' is in %s but its kmsKeyId is a key of %s", [replica.__name, region_of(replica), key_region])
}

# METADATA
# title: No encrypted replica of an unencrypted source
# description: RDS does not create an encrypted read replica from an unencrypted DB instance.
# custom:
#   kind: preflight
#   types: [aws:rds/instance:Instance]
#   doc: 'Amazon RDS API Reference, "CreateDBInstanceReadReplica" (KmsKeyId) (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html)'
#   message: Encrypt the source (storageEncrypted), or leave the replica's encryption to the source.
stack_deny_encrypted_replica_of_plain_source contains msg if {
	some replica in replicas
	src := replica_source(replica)
	flag(replica, "storageEncrypted", false)
	not flag(src, "storageEncrypted", false)
	has_flag(src, "storageEncrypted")
	msg := sprintf("read replica '%s' is encrypted but its source '%s' is not; RDS refuses it", [replica.__name, src.__name])
}

# METADATA
# title: At most 15 read replicas per source
# description: A PostgreSQL, MySQL or MariaDB DB instance can have up to 15 read replicas.
# custom:
#   kind: preflight
#   types: [aws:rds/instance:Instance]
#   doc: 'Amazon RDS API Reference, "CreateDBInstanceReadReplica" (SourceDBInstanceIdentifier) (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html)'
#   message: Lower the number of replicas, or chain replicas from a replica.
stack_deny_too_many_replicas contains msg if {
	some src in resources_of(rds)
	n := count([r | some r in replicas; replica_source(r).__urn == src.__urn])
	n > 15
	msg := sprintf("'%s' has %d read replicas; RDS allows 15", [src.__name, n])
}

# METADATA
# title: A read replica autoscales its storage as far as its source
# description: A read replica's storage does not grow with its source's; storage autoscaling is set on each instance (maxAllocatedStorage). A replica without it, or with a lower ceiling than its source, fills while its source grows, and a replica out of storage stops replaying its source's changes.
# custom:
#   kind: preflight
#   types: [aws:rds/instance:Instance]
#   doc: 'Amazon RDS User Guide, "Managing capacity automatically with Amazon RDS storage autoscaling" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html) and "Working with DB instance read replicas" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.html)'
#   message: Set maxAllocatedStorage on every read replica to its source's ceiling (dbMaxAllocatedStorage).
stack_deny_replica_storage_ceiling contains msg if {
	some replica in replicas
	src := replica_source(replica)
	no_autoscaling(replica)
	msg := sprintf("read replica '%s' has no storage autoscaling (maxAllocatedStorage) while its source '%s' grows; it fills and stops replaying", [replica.__name, src.__name])
}

stack_deny_replica_storage_ceiling contains msg if {
	some replica in replicas
	src := replica_source(replica)
	mine := num(replica, "maxAllocatedStorage")
	mine > 0
	theirs := num(src, "maxAllocatedStorage")
	mine < theirs
	msg := sprintf("read replica '%s' grows to %v GiB (maxAllocatedStorage), its source '%s' to %v GiB; it fills first and stops replaying", [replica.__name, mine, src.__name, theirs])
}

# no_autoscaling: maxAllocatedStorage absent or a known 0 (off).
no_autoscaling(db) if not has_key(db, "maxAllocatedStorage")

no_autoscaling(db) if num(db, "maxAllocatedStorage") == 0

# The engine and version of an instance, a replica's from its source (two levels).
db_engine(db) := e if e := str(db, "engine")

db_engine(db) := e if {
	not has_key(db, "engine")
	e := db_engine_of_source(db)
}

db_engine_of_source(db) := e if e := str(replica_source(db), "engine")

db_engine_of_source(db) := e if {
	not has_key(replica_source(db), "engine")
	e := str(replica_source(replica_source(db)), "engine")
}

db_version(db) := v if v := str(db, "engineVersion")

db_version(db) := v if {
	not has_key(db, "engineVersion")
	v := db_version_of_source(db)
}

db_version_of_source(db) := v if v := str(replica_source(db), "engineVersion")

db_version_of_source(db) := v if {
	not has_key(replica_source(db), "engineVersion")
	v := str(replica_source(replica_source(db)), "engineVersion")
}

# METADATA
# title: The DB parameter group's family matches the engine's major version
# description: A DB instance takes only a DB parameter group of its engine's family and major version (postgres16 for PostgreSQL 16).
# custom:
#   kind: preflight
#   types: [aws:rds/instance:Instance, aws:rds/parameterGroup:ParameterGroup]
#   doc: 'Amazon RDS User Guide, "Parameter groups for Amazon RDS" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithParamGroups.html)'
#   message: Make the parameter group's family the engine and major version, e.g. postgres16 for engineVersion 16.
stack_deny_db_parameter_group_family contains msg if {
	some db in resources_of(rds)
	some u in deps(db, "parameterGroupName")
	pg := by_urn(u)
	is_type(pg, "aws:rds/parameterGroup:ParameterGroup")
	family := str(pg, "family")
	engine := db_engine(db)
	version := db_version(db)
	not family_fits(family, engine, version)
	msg := sprintf("RDS instance '%s' runs %s %s but its parameter group '%s' is of family %s", [db.__name, engine, version, pg.__name, family])
}

# METADATA
# title: A DB subnet group covers two availability zones
# description: A DB subnet group has subnets in at least two Availability Zones of its region; RDS refuses one that does not (DBSubnetGroupDoesNotCoverEnoughAZs).
# custom:
#   kind: preflight
#   types: [aws:rds/subnetGroup:SubnetGroup]
#   doc: 'Amazon RDS User Guide, "Working with a DB instance in a VPC", section "Working with DB subnet groups" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html)'
#   message: Give the subnet group subnets in two or more zones.
stack_deny_db_subnet_group_zones contains msg if {
	some g in resources_of("aws:rds/subnetGroup:SubnetGroup")
	subnets := deps(g, "subnetIds")
	count(subnets) > 0
	zones_known(subnets)
	count(zones(subnets)) < 2
	msg := sprintf("DB subnet group '%s' spans %d availability zone(s); RDS needs two", [g.__name, count(zones(subnets))])
}

# METADATA
# title: RDS identifiers fit RDS's naming rules
# description: A DB instance identifier has 1 to 63 letters, digits or hyphens, a letter first, no trailing or doubled hyphen; Pulumi's auto-name adds 8 characters to the logical name.
# custom:
#   kind: preflight
#   types: [aws:rds/instance:Instance]
#   doc: 'Amazon RDS API Reference, "CreateDBInstance" (DBInstanceIdentifier) (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html)'
#   message: Shorten the logical name or set an identifier that fits.
deny_rds_identifier contains msg if {
	input.__type == rds
	n := physical_name(input, "identifier")
	not valid_rds_identifier(n)
	msg := sprintf("RDS instance '%s' gets the identifier '%s' (%s, %d characters); RDS allows 1-63 letters, digits and hyphens, a letter first", [input.__name, n, name_origin(input, "identifier"), count(n)])
}

valid_rds_identifier(n) if {
	count(n) <= 63
	letter_first_identifier(n)
}

# METADATA
# title: No minor version pinned while RDS upgrades minors
# description: With autoMinorVersionUpgrade on (the default) RDS moves the instance to newer minor versions; a pinned minor (16.4) then makes the provider ask RDS for a downgrade, which RDS refuses. Pin the major version only (16).
# custom:
#   kind: preflight
#   types: [aws:rds/instance:Instance]
#   doc: 'Amazon RDS User Guide, "Automatically upgrading the minor engine version" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Upgrading.html); Pulumi AWS provider, "aws.rds.Instance" (engineVersion, engineVersionActual) (https://www.pulumi.com/registry/packages/aws/api-docs/rds/instance/)'
#   message: Set engineVersion to the major version only (e.g. 16), or turn autoMinorVersionUpgrade off.
deny_rds_minor_version_pinned contains msg if {
	input.__type == rds
	engine := str(input, "engine")
	version := str(input, "engineVersion")
	count(split(version, ".")) >= minor_parts[engine]
	flag(input, "autoMinorVersionUpgrade", true)
	msg := sprintf("RDS instance '%s' pins %s %s with autoMinorVersionUpgrade on; after RDS upgrades the minor, the next update asks for a downgrade", [input.__name, engine, version])
}

# How many dot-separated parts a version has once it names a minor.
minor_parts := {"postgres": 2, "mysql": 3, "mariadb": 3}

# METADATA
# title: A master password or a managed one, not both
# description: RDS does not manage the master user password in Secrets Manager when a master password is also given.
# custom:
#   kind: preflight
#   types: [aws:rds/instance:Instance]
#   doc: 'Amazon RDS API Reference, "CreateDBInstance" (ManageMasterUserPassword, MasterUserPassword) (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html)'
#   message: Drop manageMasterUserPassword where password is set.
deny_rds_password_and_managed_password contains msg if {
	input.__type == rds
	has_key(input, "password")
	flag(input, "manageMasterUserPassword", false)
	msg := sprintf("RDS instance '%s' sets both password and manageMasterUserPassword; RDS refuses the pair", [input.__name])
}

# METADATA
# title: A PostgreSQL master password fits RDS's rules
# description: An RDS for PostgreSQL master password has 8 to 128 printable ASCII characters other than /, " and @ (and no space). Read only when the value is known (not a secret).
# custom:
#   kind: preflight
#   types: [aws:rds/instance:Instance]
#   doc: 'Amazon RDS API Reference, "CreateDBInstance" (MasterUserPassword) (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html)'
#   message: Generate the password with 8-128 characters from letters, digits and punctuation other than / " @.
deny_rds_master_password contains msg if {
	input.__type == rds
	str(input, "engine") == "postgres"
	p := str(input, "password")
	not regex.match(`^[!#-?A-~]{8,128}$`, p)
	msg := sprintf("RDS instance '%s' has a master password RDS refuses (%d characters; 8-128 printable, no / \" @ or space)", [input.__name, count(p)])
}

# METADATA
# title: No availability zone on a Multi-AZ instance
# description: The AvailabilityZone parameter can't be specified for a Multi-AZ DB instance.
# custom:
#   kind: preflight
#   types: [aws:rds/instance:Instance]
#   doc: 'Amazon RDS API Reference, "CreateDBInstance" (AvailabilityZone) (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html)'
#   message: Drop availabilityZone where multiAz is true.
deny_rds_multi_az_with_zone contains msg if {
	input.__type == rds
	flag(input, "multiAz", false)
	has_key(input, "availabilityZone")
	msg := sprintf("RDS instance '%s' is Multi-AZ and names an availability zone; RDS refuses the pair", [input.__name])
}

# METADATA
# title: A final snapshot has a name unless it is skipped
# description: Deleting a DB instance without skipFinalSnapshot needs a final snapshot identifier; without one the provider cannot delete it (pulumi destroy, or lowering the phase, fails). Read replicas take no final snapshot.
# custom:
#   kind: preflight
#   types: [aws:rds/instance:Instance]
#   doc: 'Amazon RDS API Reference, "DeleteDBInstance" (FinalDBSnapshotIdentifier, SkipFinalSnapshot) (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html); Pulumi AWS provider, "aws.rds.Instance" (finalSnapshotIdentifier) (https://www.pulumi.com/registry/packages/aws/api-docs/rds/instance/)'
#   message: Set finalSnapshotIdentifier, or skipFinalSnapshot to true.
deny_rds_final_snapshot_unnamed contains msg if {
	input.__type == rds
	not has_key(input, "replicateSourceDb")
	not flag(input, "skipFinalSnapshot", false)
	has_flag(input, "skipFinalSnapshot")
	not has_key(input, "finalSnapshotIdentifier")
	msg := sprintf("RDS instance '%s' keeps a final snapshot but names none (finalSnapshotIdentifier); its deletion fails", [input.__name])
}

# METADATA
# title: RDS storage and backup settings within RDS's ranges
# description: RDS for PostgreSQL on gp2 or gp3 takes 20 to 65,536 GiB; the storage autoscaling ceiling (maxAllocatedStorage) is at least 10% above the allocated storage (RDS answers "Invalid max storage size" otherwise); backups are kept 0 to 35 days.
# custom:
#   kind: preflight
#   types: [aws:rds/instance:Instance]
#   doc: 'Amazon RDS User Guide, "Amazon RDS DB instance storage" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html) and "Managing capacity automatically with Amazon RDS storage autoscaling" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html); Amazon RDS API Reference, "CreateDBInstance" (BackupRetentionPeriod)'
#   message: Keep allocatedStorage within 20-65536 GiB, maxAllocatedStorage at least 10% above it, backupRetentionPeriod within 0-35.
deny_rds_storage_and_backups contains msg if {
	input.__type == rds
	str(input, "engine") == "postgres"
	object.get(input, "storageType", "gp2") in {"gp2", "gp3"}
	gib := num(input, "allocatedStorage")
	not between(gib, 20, 65536)
	msg := sprintf("RDS instance '%s' allocates %v GiB; PostgreSQL on gp2/gp3 takes 20-65536", [input.__name, gib])
}

deny_rds_storage_and_backups contains msg if {
	input.__type == rds
	ceiling := num(input, "maxAllocatedStorage")
	ceiling > 0
	ceiling * 10 < num(input, "allocatedStorage") * 11
	msg := sprintf("RDS instance '%s' sets maxAllocatedStorage %v, less than 10%% above allocatedStorage %v; RDS refuses it", [input.__name, ceiling, input.allocatedStorage])
}

deny_rds_storage_and_backups contains msg if {
	input.__type == rds
	days := num(input, "backupRetentionPeriod")
	not between(days, 0, 35)
	msg := sprintf("RDS instance '%s' keeps backups %v days; RDS allows 0-35", [input.__name, days])
}

# METADATA
# title: RDS parameter and subnet group names fit RDS's rules
# description: A DB parameter group name has 1 to 255 letters, digits or hyphens, a letter first, no trailing or doubled hyphen; a DB subnet group name up to 255 letters, digits, periods, underscores, spaces or hyphens and not "default". Pulumi's auto-name adds 8 characters.
# custom:
#   kind: preflight
#   types: [aws:rds/parameterGroup:ParameterGroup, aws:rds/subnetGroup:SubnetGroup]
#   doc: 'Amazon RDS API Reference, "CreateDBParameterGroup" (DBParameterGroupName) (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBParameterGroup.html) and "CreateDBSubnetGroup" (DBSubnetGroupName) (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html)'
#   message: Shorten the logical name or set a name that fits.
deny_rds_group_names contains msg if {
	input.__type == "aws:rds/parameterGroup:ParameterGroup"
	n := physical_name(input, "name")
	not valid_param_group_name(n)
	msg := sprintf("DB parameter group '%s' gets the name '%s' (%s); RDS allows 1-255 letters, digits and hyphens, a letter first", [input.__name, n, name_origin(input, "name")])
}

deny_rds_group_names contains msg if {
	input.__type == "aws:rds/subnetGroup:SubnetGroup"
	n := physical_name(input, "name")
	not valid_subnet_group_name(n)
	msg := sprintf("DB subnet group '%s' gets the name '%s' (%s); RDS allows up to 255 letters, digits, periods, underscores, spaces and hyphens, not default", [input.__name, n, name_origin(input, "name")])
}

valid_subnet_group_name(n) if {
	regex.match(`^[a-zA-Z0-9._ -]{1,255}$`, n)
	lower(n) != "default"
}

# METADATA
# title: RDS never publicly accessible
# description: Databases live in the isolated data subnets; no public endpoint.
# custom:
#   message: Set publiclyAccessible to false (the database component does).
deny_rds_public contains msg if {
	input.__type == rds
	input.publiclyAccessible == true
	msg := sprintf("RDS instance '%s' is publicly accessible; set publiclyAccessible: false", [input.__name])
}

# METADATA
# title: RDS storage encrypted
# description: Every RDS instance encrypts its storage at rest.
# custom:
#   message: Set storageEncrypted to true.
deny_rds_unencrypted contains msg if {
	input.__type == rds
	not_true(input, "storageEncrypted")
	msg := sprintf("RDS instance '%s' does not encrypt its storage; set storageEncrypted: true", [input.__name])
}

# METADATA
# title: RDS primaries keep backups
# description: A primary keeps automated backups (replicas and point-in-time recovery need them).
# custom:
#   message: Set backupRetentionPeriod to 1-35 days.
deny_rds_no_backups contains msg if {
	is_primary_db(input)
	days := object.get(input, "backupRetentionPeriod", 0)
	not unknown(days)
	days < 1
	msg := sprintf("RDS primary '%s' keeps no backups; set backupRetentionPeriod to at least 1", [input.__name])
}

# METADATA
# title: A database with replicas is Multi-AZ
# description: Once reads are spread over replicas in its region, the primary keeps a standby in another zone. A copy in another region is not one of them, it is the other data center's (after a failover, the first region's copies of the promoted instances).
# custom:
#   message: Set multiAz to true on the primary.
stack_deny_db_multi_az contains msg if {
	some db in resources_of(rds)
	is_primary_db(db)
	some replica in resources_of(rds)
	depends_on(replica, "replicateSourceDb", db.__urn)
	not cross_region(replica, db)
	multi_az := object.get(db, "multiAz", false)
	not unknown(multi_az)
	multi_az != true
	msg := sprintf("RDS primary '%s' has replicas (e.g. '%s') but no Multi-AZ standby; set multiAz: true", [db.__name, replica.__name])
}
