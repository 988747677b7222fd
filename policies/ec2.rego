package scalezero

import rego.v1

# Amazon EC2: instances, launch templates, user data, security groups and their rules.

sg_chars := `^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*$`

# METADATA
# title: Security group names and descriptions fit EC2's rules
# description: A security group's name and description are up to 255 characters from a-z A-Z 0-9, space and ._-:/()#,@[]+=&;{}!$*; the name does not start with sg- and is not default. Pulumi's auto-name adds 8 characters.
# custom:
#   kind: preflight
#   types: [aws:ec2/securityGroup:SecurityGroup]
#   doc: 'Amazon VPC User Guide, "Create a security group for your VPC" (names and descriptions) (https://docs.aws.amazon.com/vpc/latest/userguide/creating-security-groups.html); Amazon EC2 API Reference, "CreateSecurityGroup" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html)'
#   message: Keep the name and description short and within the allowed characters; no sg- prefix.
deny_security_group_name contains msg if {
	input.__type == "aws:ec2/securityGroup:SecurityGroup"
	n := physical_name(input, "name")
	not valid_sg_name(n)
	msg := sprintf("security group '%s' gets the name '%s' (%s); EC2 allows up to 255 characters of a-zA-Z0-9 ._-:/()#,@[]+=&;{}!$*, no sg- prefix, not default", [input.__name, n, name_origin(input, "name")])
}

deny_security_group_name contains msg if {
	input.__type == "aws:ec2/securityGroup:SecurityGroup"
	d := str(input, "description")
	not valid_sg_text(d)
	msg := sprintf("security group '%s' has a description EC2 refuses (%d characters; up to 255 of a-zA-Z0-9 ._-:/()#,@[]+=&;{}!$*)", [input.__name, count(d)])
}

valid_sg_text(s) if {
	count(s) <= 255
	regex.match(sg_chars, s)
}

valid_sg_name(n) if {
	valid_sg_text(n)
	count(n) > 0
	not startswith(lower(n), "sg-")
	lower(n) != "default"
}

sg_rule_types := {"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"}

rule_targets := ["cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId"]

# METADATA
# title: A security group rule has exactly one peer
# description: A security group rule names one source or destination, a CIDR (IPv4 or IPv6), a prefix list, or a security group.
# custom:
#   kind: preflight
#   types: [aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule, aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule]
#   doc: 'Amazon VPC User Guide, "Security group rules" (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html); Amazon EC2 API Reference, "AuthorizeSecurityGroupIngress" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html)'
#   message: Set one of cidrIpv4, cidrIpv6, prefixListId and referencedSecurityGroupId per rule.
deny_sg_rule_peer contains msg if {
	input.__type in sg_rule_types
	peers := [k | some k in rule_targets; has_key(input, k)]
	count(peers) != 1
	msg := sprintf("security group rule '%s' names %d peers (%v); a rule takes exactly one", [input.__name, count(peers), peers])
}

tcp_udp := {"tcp", "udp", "6", "17"}

# The port entries of a rule resource, or of a group's inline rules.
port_entries(r) := [{"protocol": object.get(r, "ipProtocol", ""), "from": object.get(r, "fromPort", null), "to": object.get(r, "toPort", null)}] if {
	r.__type in sg_rule_types
}

port_entries(r) := [{"protocol": object.get(x, "protocol", ""), "from": object.get(x, "fromPort", null), "to": object.get(x, "toPort", null)} |
	some k in ["ingress", "egress"]
	some x in object.get(r, k, [])
] if {
	r.__type in {"aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"}
}

# METADATA
# title: TCP and UDP rules name a port range
# description: A TCP or UDP security group rule names a port range from 0 to 65535 with the first port not above the last.
# custom:
#   kind: preflight
#   types: [aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule, aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule, aws:ec2/securityGroup:SecurityGroup, aws:ec2/defaultSecurityGroup:DefaultSecurityGroup]
#   doc: 'Amazon VPC User Guide, "Security group rules" (port range) (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html); Amazon EC2 API Reference, "IpPermission" (FromPort, ToPort) (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html)'
#   message: Set fromPort and toPort within 0-65535, fromPort <= toPort.
deny_sg_rule_ports contains msg if {
	some e in port_entries(input)
	known(e.protocol)
	lower(e.protocol) in tcp_udp
	known(e.from)
	known(e.to)
	not valid_port_range(e.from, e.to)
	msg := sprintf("'%s' opens %s ports %v-%v; a TCP/UDP rule takes a range within 0-65535", [input.__name, e.protocol, e.from, e.to])
}

valid_port_range(from, to) if {
	is_number(from)
	is_number(to)
	0 <= from
	from <= to
	to <= 65535
}

# The descriptions of a rule resource, or of a group's inline rules.
rule_descriptions(r) := [d | d := str(r, "description")] if r.__type in sg_rule_types

rule_descriptions(r) := [d |
	some k in ["ingress", "egress"]
	some x in object.get(r, k, [])
	d := str(x, "description")
] if {
	r.__type in {"aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"}
}

# METADATA
# title: Rule descriptions fit EC2's rules
# description: A security group rule's description is up to 255 characters from a-z A-Z 0-9, space and ._-:/()#,@[]+=&;{}!$*.
# custom:
#   kind: preflight
#   types: [aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule, aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule, aws:ec2/securityGroup:SecurityGroup, aws:ec2/defaultSecurityGroup:DefaultSecurityGroup]
#   doc: 'Amazon VPC User Guide, "Security group rules" (description) (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html); Amazon EC2 API Reference, "IpRange" (Description) (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html)'
#   message: Keep rule descriptions within 255 of the allowed characters.
deny_sg_rule_description contains msg if {
	some d in rule_descriptions(input)
	not valid_sg_text(d)
	msg := sprintf("'%s' has a rule description EC2 refuses: '%s'", [input.__name, d])
}

# A rule's identity: group, direction, protocol, ports and peer.
rule_key(r) := [r.__type, g, lower(p), from, to, peer] if {
	r.__type in sg_rule_types
	g := deps(r, "securityGroupId")[0]
	p := str(r, "ipProtocol")
	from := object.get(r, "fromPort", -1)
	to := object.get(r, "toPort", -1)
	known(from)
	known(to)
	peer := rule_peer(r)
}

rule_peer(r) := v if {
	peers := [k | some k in rule_targets; has_key(r, k)]
	count(peers) == 1
	v := peer_value(r, peers[0])
}

peer_value(r, "referencedSecurityGroupId") := deps(r, "referencedSecurityGroupId")[0]

peer_value(r, k) := str(r, k) if k != "referencedSecurityGroupId"

# METADATA
# title: No duplicate security group rules
# description: Adding a rule that already exists in a security group (same direction, protocol, ports and peer) fails with InvalidPermission.Duplicate.
# custom:
#   kind: preflight
#   types: [aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule, aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule]
#   doc: 'Amazon EC2 API Reference, "Error codes for the Amazon EC2 API" (InvalidPermission.Duplicate) (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html)'
#   message: Declare each rule once.
stack_deny_duplicate_sg_rule contains msg if {
	rules := [r | some r in input.resources; r.__type in sg_rule_types]
	some a in rules
	some b in rules
	a.__urn < b.__urn
	k := rule_key(a)
	rule_key(b) == k
	msg := sprintf("security group rules '%s' and '%s' are the same rule; the second fails with InvalidPermission.Duplicate", [a.__name, b.__name])
}

instance := "aws:ec2/instance:Instance"

launch_template := "aws:ec2/launchTemplate:LaunchTemplate"

# A host's user data, decoded: an instance's plain userData (or
# userDataBase64), a launch template's base64 userData.
user_data(r) := s if {
	is_type(r, instance)
	s := str(r, "userData")
}

user_data(r) := s if {
	is_type(r, instance)
	not has_key(r, "userData")
	s := base64.decode(str(r, "userDataBase64"))
}

user_data(r) := s if {
	is_type(r, launch_template)
	s := base64.decode(str(r, "userData"))
}

# The size EC2 counts: the raw user data, before base64.
user_data_bytes(r) := bytes(str(r, "userData")) if is_type(r, instance)

user_data_bytes(r) := base64_bytes(str(r, "userDataBase64")) if {
	is_type(r, instance)
	not has_key(r, "userData")
}

user_data_bytes(r) := base64_bytes(str(r, "userData")) if is_type(r, launch_template)

# METADATA
# title: User data at most 16 KB
# description: EC2 limits user data to 16 KB in raw form, before it is base64-encoded, for instances and launch templates alike.
# custom:
#   kind: preflight
#   types: [aws:ec2/instance:Instance, aws:ec2/launchTemplate:LaunchTemplate]
#   doc: 'Amazon EC2 User Guide, "Run commands when you launch an EC2 instance with user data input" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html)'
#   message: Move bulk out of user data (fetch it at boot from S3 or SSM).
deny_user_data_size contains msg if {
	input.__type in {instance, launch_template}
	n := user_data_bytes(input)
	n > 16384
	msg := sprintf("'%s' has %d bytes of user data; EC2 allows 16384 (16 KB) before base64", [input.__name, n])
}

# The parameter path a host's boot script reads (components/boot renders
# PARAM_PATH=/<project>/<stack>/ and REGION=<region>).
boot_param_path(r) := path if {
	some line in split(user_data(r), "\n")
	startswith(line, "PARAM_PATH=")
	path := trim_space(substring(line, count("PARAM_PATH="), -1))
	path != ""
}

boot_region(r) := region if {
	some line in split(user_data(r), "\n")
	startswith(line, "REGION=")
	region := trim_space(substring(line, count("REGION="), -1))
}

boot_region(r) := region_of(r) if {
	not user_data_sets_region(r)
}

user_data_sets_region(r) if {
	some line in split(user_data(r), "\n")
	startswith(line, "REGION=")
}

# METADATA
# title: A host boots after the settings it reads
# description: EC2 runs user data once, on the instance's first boot; a host whose boot script reads SSM parameters must be created after them, or it boots without its settings and never reads them again.
# custom:
#   kind: preflight
#   types: [aws:ec2/instance:Instance, aws:ec2/launchTemplate:LaunchTemplate, aws:ssm/parameter:Parameter]
#   doc: 'Amazon EC2 User Guide, "Run commands when you launch an EC2 instance with user data input" (user data runs during the first boot cycle) (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html); Pulumi, "Resource options: dependsOn" (https://www.pulumi.com/docs/iac/concepts/resources/options/dependson/)'
#   message: Give the host (instance or launch template) dependsOn the parameters under its path.
stack_deny_host_before_parameters contains msg if {
	some host in input.resources
	host.__type in {instance, launch_template}
	path := boot_param_path(host)
	region := boot_region(host)
	missing := [props(p).name |
		some p in resources_of(ssm_parameter)
		startswith(str(props(p), "name"), path)
		region_of(p) == region
		not depends_transitively(host, p.__urn)
	]
	count(missing) > 0
	msg := sprintf("'%s' reads %s in %s at boot but does not depend on %d of its parameters (e.g. %s); it can boot before they exist", [host.__name, path, region, count(missing), sort(missing)[0]])
}

# METADATA
# title: Launch template network settings EC2 accepts
# description: Security groups go either on the network interfaces or on the instance, not both; the metadata hop limit is 1 to 64.
# custom:
#   kind: preflight
#   types: [aws:ec2/launchTemplate:LaunchTemplate]
#   doc: 'Amazon EC2 API Reference, "RequestLaunchTemplateData" (NetworkInterfaces, SecurityGroupIds) and "LaunchTemplateInstanceMetadataOptionsRequest" (HttpPutResponseHopLimit) (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RequestLaunchTemplateData.html)'
#   message: Put the security groups on the network interface only; keep the hop limit within 1-64.
deny_launch_template_settings contains msg if {
	input.__type == launch_template
	some k in ["vpcSecurityGroupIds", "securityGroupNames"]
	count(object.get(input, k, [])) > 0
	some ni in object.get(input, "networkInterfaces", [])
	count(object.get(ni, "securityGroups", [])) > 0
	msg := sprintf("launch template '%s' sets %s and network interface security groups; EC2 refuses the pair at launch", [input.__name, k])
}

deny_launch_template_settings contains msg if {
	input.__type == launch_template
	hops := num(object.get(input, "metadataOptions", {}), "httpPutResponseHopLimit")
	not between(hops, 1, 64)
	msg := sprintf("launch template '%s' sets a metadata hop limit of %v; EC2 allows 1-64", [input.__name, hops])
}

# METADATA
# title: Launch template names fit EC2's rules
# description: A launch template name has 3 to 128 characters from letters, digits and ( ) . - / _; Pulumi's auto-name adds 8 characters.
# custom:
#   kind: preflight
#   types: [aws:ec2/launchTemplate:LaunchTemplate]
#   doc: 'Amazon EC2 API Reference, "CreateLaunchTemplate" (LaunchTemplateName) (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html)'
#   message: Shorten the logical name or set a name that fits.
deny_launch_template_name contains msg if {
	input.__type == launch_template
	n := physical_name(input, "name")
	not regex.match(`^[a-zA-Z0-9().\-/_]{3,128}$`, n)
	msg := sprintf("launch template '%s' gets the name '%s' (%s); EC2 allows 3-128 of letters, digits and ( ) . - / _", [input.__name, n, name_origin(input, "name")])
}

# METADATA
# title: No SSH from anywhere
# description: Nothing admits port 22 from the internet; use SSM Session Manager.
# custom:
#   message: Remove the rule; reach hosts with `aws ssm start-session`.
deny_ssh_from_anywhere contains msg if {
	some e in ingress(input)
	e.world
	covers(e, 22)
	msg := sprintf("'%s' admits SSH from the internet; remove it and use SSM Session Manager", [input.__name])
}

# METADATA
# title: Only 80 and 443 open to the internet
# description: A rule open to 0.0.0.0/0 or ::/0 covers nothing but port 80 or 443.
# custom:
#   message: Admit other ports from a security group, not from the internet.
deny_world_ingress contains msg if {
	some e in ingress(input)
	e.world
	not unknown(e.from)
	not unknown(e.to)
	not web_only(e)
	not covers(e, 22) # deny_ssh_from_anywhere reports those
	msg := sprintf("'%s' opens ports %v-%v to the internet; only 80 and 443 may be", [input.__name, e.from, e.to])
}

web_only(e) if {
	not e.all
	e.from == e.to
	e.from in {80, 443}
}

# METADATA
# title: Launch templates require IMDSv2
# description: Hosts answer only token-protected metadata requests.
# custom:
#   message: Set metadataOptions.httpTokens to required.
deny_imdsv1 contains msg if {
	input.__type in {launch_template, instance}
	tokens := object.get(object.get(input, "metadataOptions", {}), "httpTokens", "optional")
	not unknown(tokens)
	tokens != "required"
	msg := sprintf("'%s' allows IMDSv1; set metadataOptions.httpTokens: required", [input.__name])
}

# METADATA
# title: Launch templates give no public IP
# description: Fleet hosts live in private subnets, reachable only through the load balancer.
# custom:
#   message: Set networkInterfaces[].associatePublicIpAddress to false.
deny_launch_template_public_ip contains msg if {
	input.__type == launch_template
	some ni in object.get(input, "networkInterfaces", [])
	ni.associatePublicIpAddress in {true, "true"}
	msg := sprintf("launch template '%s' gives hosts a public IP; set associatePublicIpAddress: false", [input.__name])
}

# METADATA
# title: Host volumes encrypted
# description: Root and data volumes of instances and launch templates are encrypted at rest.
# custom:
#   message: Set rootBlockDevice.encrypted, or blockDeviceMappings[].ebs.encrypted in a launch template, to true.
deny_ebs_unencrypted contains msg if {
	input.__type == instance
	not_true(object.get(input, "rootBlockDevice", {}), "encrypted")
	msg := sprintf("instance '%s' has an unencrypted root volume; set rootBlockDevice.encrypted: true", [input.__name])
}

deny_ebs_unencrypted contains msg if {
	input.__type == launch_template
	some m in object.get(input, "blockDeviceMappings", [])
	not_true(object.get(m, "ebs", {}), "encrypted")
	msg := sprintf("launch template '%s' maps %s unencrypted; set ebs.encrypted: true", [input.__name, object.get(m, "deviceName", "a volume")])
}
