package scalezero

import rego.v1

# Amazon VPC: VPCs, subnets, gateways, Elastic IPs, route tables, routes, peering, flow logs.

vpc := "aws:ec2/vpc:Vpc"

subnet := "aws:ec2/subnet:Subnet"

igw := "aws:ec2/internetGateway:InternetGateway"

# The VPC a subnet (by URN) belongs to.
subnet_vpc(subnet_urn) := v if {
	s := by_urn(subnet_urn)
	is_type(s, subnet)
	some v in deps(s, "vpcId")
}

# The internet gateways of a VPC (by URN).
gateways(vpc_urn) := [g | some g in resources_of(igw); depends_on(g, "vpcId", vpc_urn)]

# METADATA
# title: A public NAT gateway is created after the internet gateway
# description: A public NAT gateway works through its VPC's internet gateway; the provider documents an explicit dependency on the internet gateway to order the two.
# custom:
#   kind: preflight
#   types: [aws:ec2/natGateway:NatGateway, aws:ec2/internetGateway:InternetGateway]
#   doc: 'Pulumi AWS provider, "aws.ec2.NatGateway" ("To ensure proper ordering, it is recommended to add an explicit dependency on the Internet Gateway for the VPC") (https://www.pulumi.com/registry/packages/aws/api-docs/ec2/natgateway/); Amazon VPC User Guide, "NAT gateways" (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html)'
#   message: Give the NAT gateway dependsOn its VPC's internet gateway (or depend on it through its Elastic IP).
stack_deny_nat_before_internet_gateway contains msg if {
	some nat in resources_of("aws:ec2/natGateway:NatGateway")
	kind := object.get(nat, "connectivityType", "public")
	known(kind)
	kind == "public"
	some s in deps(nat, "subnetId")
	some g in gateways(subnet_vpc(s))
	not depends_transitively(nat, g.__urn)
	msg := sprintf("public NAT gateway '%s' does not depend on internet gateway '%s' of its VPC; it can be created before the gateway", [nat.__name, g.__name])
}

# METADATA
# title: An internet-facing load balancer is created after the internet gateway
# description: CreateLoadBalancer refuses an internet-facing load balancer in a VPC that has no internet gateway attached yet (InvalidSubnet, "VPC ... has no internet gateway"); CloudFormation lists such load balancers among the resources that need an explicit dependency on the gateway's attachment.
# custom:
#   kind: preflight
#   types: [aws:lb/loadBalancer:LoadBalancer, aws:ec2/internetGateway:InternetGateway]
#   doc: 'AWS CloudFormation User Guide, "DependsOn attribute" (When a DependsOn attribute is required: load balancers with public addresses in a VPC) (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html)'
#   message: Give the load balancer dependsOn its VPC's internet gateway.
stack_deny_lb_before_internet_gateway contains msg if {
	some l in resources_of(lb)
	internal := object.get(l, "internal", false)
	known(internal)
	internal == false
	vpcs := {v | some s in deps(l, "subnets"); v := subnet_vpc(s)}
	some v in vpcs
	some g in gateways(v)
	not depends_transitively(l, g.__urn)
	msg := sprintf("internet-facing load balancer '%s' does not depend on internet gateway '%s' of its VPC; AWS refuses it until the gateway is attached", [l.__name, g.__name])
}

# The VPC of the instance or network interface an Elastic IP is associated with.
eip_vpc(eip) := v if {
	some u in deps(eip, "instance")
	inst := by_urn(u)
	some s in deps(inst, "subnetId")
	v := subnet_vpc(s)
}

eip_vpc(eip) := v if {
	some u in deps(eip, "networkInterface")
	eni := by_urn(u)
	some s in deps(eni, "subnetId")
	v := subnet_vpc(s)
}

# METADATA
# title: An Elastic IP is associated after the internet gateway
# description: Associating an Elastic IP with an instance or network interface fails with Gateway.NotAttached while the VPC has no internet gateway; the provider documents an explicit dependency on the gateway.
# custom:
#   kind: preflight
#   types: [aws:ec2/eip:Eip, aws:ec2/internetGateway:InternetGateway]
#   doc: 'Amazon EC2 API Reference, "Error codes for the Amazon EC2 API" (Gateway.NotAttached) (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html); Pulumi AWS provider, "aws.ec2.Eip" ("EIP may require IGW to exist prior to association. Use dependsOn to set an explicit dependency on the IGW.") (https://www.pulumi.com/registry/packages/aws/api-docs/ec2/eip/)'
#   message: Give the Elastic IP dependsOn the internet gateway of the instance's VPC.
stack_deny_eip_before_internet_gateway contains msg if {
	some eip in resources_of("aws:ec2/eip:Eip")
	domain := object.get(eip, "domain", "vpc")
	known(domain)
	domain == "vpc"
	some g in gateways(eip_vpc(eip))
	not depends_transitively(eip, g.__urn)
	msg := sprintf("Elastic IP '%s' is associated in a VPC whose internet gateway '%s' it does not depend on; the association can fail with Gateway.NotAttached", [eip.__name, g.__name])
}

# METADATA
# title: One internet gateway per VPC
# description: A VPC has at most one internet gateway attached at a time.
# custom:
#   kind: preflight
#   types: [aws:ec2/internetGateway:InternetGateway, aws:ec2/vpc:Vpc]
#   doc: 'Amazon VPC User Guide, "Amazon VPC quotas" (internet gateways per VPC) (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html)'
#   message: Keep one internet gateway per VPC.
stack_deny_second_internet_gateway contains msg if {
	some v in resources_of(vpc)
	gs := gateways(v.__urn)
	count(gs) > 1
	msg := sprintf("VPC '%s' gets %d internet gateways; a VPC takes one", [v.__name, count(gs)])
}

# METADATA
# title: VPC and subnet blocks between /16 and /28
# description: A VPC's and a subnet's IPv4 CIDR block size is between a /16 netmask and a /28 netmask.
# custom:
#   kind: preflight
#   types: [aws:ec2/vpc:Vpc, aws:ec2/subnet:Subnet]
#   doc: 'Amazon VPC User Guide, "VPC CIDR blocks" and "Subnet CIDR blocks" (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html, https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html)'
#   message: Use a block from /16 to /28.
deny_cidr_block_size contains msg if {
	input.__type in {vpc, subnet}
	block := str(input, "cidrBlock")
	bits := to_number(split(block, "/")[1])
	not between(bits, 16, 28)
	msg := sprintf("'%s' asks for %s; a VPC or subnet block is /16 to /28", [input.__name, block])
}

# METADATA
# title: Subnets inside their VPC and apart from each other
# description: A subnet's CIDR block is a subset of its VPC's and does not overlap another subnet of the VPC (InvalidSubnet.Range, InvalidSubnet.Conflict).
# custom:
#   kind: preflight
#   types: [aws:ec2/subnet:Subnet, aws:ec2/vpc:Vpc]
#   doc: 'Amazon VPC User Guide, "Subnet CIDR blocks" (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html); Amazon EC2 API Reference, "CreateSubnet" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html)'
#   message: Carve each subnet out of the VPC's block, without overlaps.
stack_deny_subnet_cidr contains msg if {
	some s in resources_of(subnet)
	block := str(s, "cidrBlock")
	some u in deps(s, "vpcId")
	v := by_urn(u)
	outer := str(v, "cidrBlock")
	not net.cidr_contains(outer, block)
	msg := sprintf("subnet '%s' (%s) lies outside its VPC '%s' (%s)", [s.__name, block, v.__name, outer])
}

stack_deny_subnet_cidr contains msg if {
	some a in resources_of(subnet)
	some b in resources_of(subnet)
	a.__urn < b.__urn
	some u in deps(a, "vpcId")
	depends_on(b, "vpcId", u)
	net.cidr_intersects(str(a, "cidrBlock"), str(b, "cidrBlock"))
	msg := sprintf("subnets '%s' (%s) and '%s' (%s) overlap", [a.__name, a.cidrBlock, b.__name, b.cidrBlock])
}

# METADATA
# title: A subnet's zone is in its provider's region
# description: An Availability Zone's (or Local Zone's) name begins with its region's code (us-east-1a); a subnet is created in a zone of the region its provider calls.
# custom:
#   kind: preflight
#   types: [aws:ec2/subnet:Subnet]
#   doc: 'Amazon EC2 User Guide, "Regions and Zones" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html)'
#   message: Take the zones from getAvailabilityZones with the subnet's own provider.
stack_deny_subnet_zone_region contains msg if {
	some s in resources_of(subnet)
	zone := str(s, "availabilityZone")
	region := region_of(s)
	not startswith(zone, region)
	msg := sprintf("subnet '%s' asks for zone %s through a provider of %s", [s.__name, zone, region])
}

# METADATA
# title: A subnet is associated with one route table
# description: A subnet can be associated with only one route table at a time; a second association fails (Resource.AlreadyAssociated).
# custom:
#   kind: preflight
#   types: [aws:ec2/routeTableAssociation:RouteTableAssociation]
#   doc: 'Amazon VPC User Guide, "Subnet route tables" (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-route-tables.html)'
#   message: Associate each subnet once.
stack_deny_subnet_two_route_tables contains msg if {
	some s in resources_of(subnet)
	assocs := [a.__name | some a in resources_of("aws:ec2/routeTableAssociation:RouteTableAssociation"); depends_on(a, "subnetId", s.__urn)]
	count(assocs) > 1
	msg := sprintf("subnet '%s' is associated with %d route tables (%v); AWS takes one", [s.__name, count(assocs), assocs])
}

# METADATA
# title: One route per destination in a route table
# description: A route table holds one route per destination; a second route to the same destination fails (RouteAlreadyExists).
# custom:
#   kind: preflight
#   types: [aws:ec2/routeTable:RouteTable]
#   doc: 'Amazon VPC User Guide, "Configure route tables" (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html); Amazon EC2 API Reference, "CreateRoute" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html)'
#   message: Give each destination one route.
deny_route_table_duplicate_destination contains msg if {
	input.__type == "aws:ec2/routeTable:RouteTable"
	routes := object.get(input, "routes", [])
	some i, a in routes
	some j, b in routes
	i < j
	some key in ["cidrBlock", "ipv6CidrBlock", "destinationPrefixListId"]
	dest := str(a, key)
	str(b, key) == dest
	msg := sprintf("route table '%s' has two routes to %s", [input.__name, dest])
}

# METADATA
# title: A route table's routes are inline or resources, not both
# description: A route table that lists its routes inline owns the whole set, so a standalone Route on the same table conflicts with it and one overwrites the other on every update.
# custom:
#   kind: preflight
#   types: [aws:ec2/routeTable:RouteTable, aws:ec2/route:Route]
#   doc: 'Pulumi AWS provider, "aws.ec2.RouteTable" (NOTE on Route Tables and Routes: a route table with in-line routes cannot be used with any Route resource) (https://www.pulumi.com/registry/packages/aws/api-docs/ec2/routetable/)'
#   message: Declare the table's routes as Route resources only (or inline only).
stack_deny_route_table_mixed contains msg if {
	some t in resources_of("aws:ec2/routeTable:RouteTable")
	inline := object.get(t, "routes", [])
	is_array(inline)
	routes := referrers(t, route, "routeTableId")
	count(routes) > 0
	# A table's outputs list the standalone routes too (the analyzer reads
	# outputs at stack level): only an entry none of them accounts for is
	# declared inline.
	targets := {str(r, "destinationCidrBlock") | some r in routes}
	own := [e | some e in inline; not str(e, "cidrBlock") in targets]
	count(own) > 0
	standalone := [r.__name | some r in routes]
	msg := sprintf("route table '%s' lists routes inline and is also the table of %s", [t.__name, concat(", ", standalone)])
}

# METADATA
# title: One Route per destination in a route table
# description: A route table holds one route per destination; a second Route to the same destination in the same table fails (RouteAlreadyExists).
# custom:
#   kind: preflight
#   types: [aws:ec2/route:Route]
#   doc: 'Amazon EC2 API Reference, "CreateRoute" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html)'
#   message: Give each destination of a table one route.
stack_deny_route_duplicate_destination contains msg if {
	some t in resources_of("aws:ec2/routeTable:RouteTable")
	routes := referrers(t, route, "routeTableId")
	some a in routes
	some b in routes
	a.__name < b.__name
	dest := str(a, "destinationCidrBlock")
	str(b, "destinationCidrBlock") == dest
	msg := sprintf("routes '%s' and '%s' both send %s in route table '%s'", [a.__name, b.__name, dest, t.__name])
}

flow_log := "aws:ec2/flowLog:FlowLog"

# METADATA
# title: Flow logs aggregate over 60 or 600 seconds
# description: A flow log's maximum aggregation interval is 60 seconds or 600 seconds; EC2 refuses any other.
# custom:
#   kind: preflight
#   types: [aws:ec2/flowLog:FlowLog]
#   doc: 'Amazon EC2 API Reference, "CreateFlowLogs" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html)'
#   message: Set maxAggregationInterval to 60 or 600.
deny_flow_log_interval contains msg if {
	input.__type == flow_log
	interval := object.get(input, "maxAggregationInterval", 600)
	not unknown(interval)
	not interval in {60, 600}
	msg := sprintf("flow log '%s' aggregates over %v s; EC2 takes 60 or 600", [input.__name, interval])
}

# METADATA
# title: Flow logs to CloudWatch Logs name a role
# description: A flow log that publishes to CloudWatch Logs needs the ARN of a role that may write there (DeliverLogsPermissionArn); EC2 refuses it without one.
# custom:
#   kind: preflight
#   types: [aws:ec2/flowLog:FlowLog]
#   doc: 'Amazon EC2 API Reference, "CreateFlowLogs" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html); Amazon VPC User Guide, "IAM role for publishing flow logs to CloudWatch Logs" (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html)'
#   message: Give the flow log an iamRoleArn that vpc-flow-logs.amazonaws.com may assume.
deny_flow_log_without_role contains msg if {
	input.__type == flow_log
	destination := object.get(input, "logDestinationType", "cloud-watch-logs")
	not unknown(destination)
	destination == "cloud-watch-logs"
	not has_key(input, "iamRoleArn")
	msg := sprintf("flow log '%s' publishes to CloudWatch Logs with no role to write there; set iamRoleArn", [input.__name])
}

peering := "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"

peering_accepter := "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"

route := "aws:ec2/route:Route"

# The CIDR block of the VPC a property of r depends on.
vpc_block(r, prop) := block if {
	some u in deps(r, prop)
	v := by_urn(u)
	v.__type == vpc
	block := str(v, "cidrBlock")
}

# METADATA
# title: Peered VPCs do not overlap
# description: A VPC peering connection between VPCs whose IPv4 blocks match or overlap cannot be made.
# custom:
#   kind: preflight
#   types: [aws:ec2/vpcPeeringConnection:VpcPeeringConnection]
#   doc: 'Amazon VPC Peering Guide, "VPC peering limitations" (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations)'
#   message: Give the peered VPCs blocks apart (secondaryVpcCidr other than vpcCidr).
stack_deny_peering_overlap contains msg if {
	some p in resources_of(peering)
	a := vpc_block(p, "vpcId")
	b := vpc_block(p, "peerVpcId")
	net.cidr_intersects(a, b)
	msg := sprintf("peering '%s' joins %s and %s, which overlap", [p.__name, a, b])
}

# METADATA
# title: A cross-region peering is accepted in the other region
# description: The requester cannot accept a peering with a VPC in another region (auto-accept applies only within a region and account); an accepter in the peer's region must.
# custom:
#   kind: preflight
#   types: [aws:ec2/vpcPeeringConnection:VpcPeeringConnection, aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter]
#   doc: 'Pulumi AWS provider, "aws.ec2.VpcPeeringConnection" (autoAccept, peerRegion) and "aws.ec2.VpcPeeringConnectionAccepter" (https://www.pulumi.com/registry/packages/aws/api-docs/ec2/vpcpeeringconnection/); Amazon VPC Peering Guide, "Accept a VPC peering connection"'
#   message: Set autoAccept false on the connection and accept it with a VpcPeeringConnectionAccepter through the peer region's provider.
stack_deny_peering_acceptance contains msg if {
	some p in resources_of(peering)
	peer := str(p, "peerRegion")
	peer != region_of(p)
	object.get(p, "autoAccept", false) == true
	msg := sprintf("peering '%s' asks to accept itself across regions (%s to %s); AWS refuses", [p.__name, region_of(p), peer])
}

stack_deny_peering_acceptance contains msg if {
	some a in resources_of(peering_accepter)
	some u in deps(a, "vpcPeeringConnectionId")
	p := by_urn(u)
	p.__type == peering
	peer := str(p, "peerRegion")
	here := region_of(a)
	here != peer
	msg := sprintf("accepter '%s' is in %s, but peering '%s' waits in %s", [a.__name, here, p.__name, peer])
}

route_targets := ["gatewayId", "natGatewayId", "vpcPeeringConnectionId", "transitGatewayId", "networkInterfaceId", "vpcEndpointId", "egressOnlyGatewayId", "carrierGatewayId", "localGatewayId", "coreNetworkArn"]

# METADATA
# title: A route has exactly one target
# description: CreateRoute takes exactly one target (a gateway, NAT gateway, peering connection, ...) per route.
# custom:
#   kind: preflight
#   types: [aws:ec2/route:Route]
#   doc: 'Amazon EC2 API Reference, "CreateRoute" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html)'
#   message: Give the route one target.
deny_route_targets contains msg if {
	input.__type == route
	targets := [k | some k in route_targets; has_key(input, k)]
	count(targets) != 1
	msg := sprintf("route '%s' has %d targets %v; a route takes exactly one", [input.__name, count(targets), targets])
}
