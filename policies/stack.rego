package scalezero

import rego.v1

# Stack rules that span services (security groups, load balancers, fleets,
# databases). Stack rules read the whole graph. They follow the chapter's
# principles on the graph's structure (what references what), never on a phase
# number. The rules of one service live in that service's file.

lb_groups := {u |
	some lb in resources_of("aws:lb/loadBalancer:LoadBalancer")
	some u in deps(lb, "securityGroups")
}

# Groups of instances that hold an Elastic IP: the single public server of
# the first phases, the one other legitimate internet entry point.
eip_instance_groups := {u |
	some eip in resources_of("aws:ec2/eip:Eip")
	some inst_urn in deps(eip, "instance")
	inst := by_urn(inst_urn)
	some u in deps(inst, "vpcSecurityGroupIds")
}

# Launch-template groups of fleets registered with a target group.
fleet_groups := {u |
	some asg in resources_of("aws:autoscaling/group:Group")
	count(deps(asg, "targetGroupArns")) > 0
	some lt_urn in deps(asg, "launchTemplate")
	lt := by_urn(lt_urn)
	some u in deps(lt, "networkInterfaces")
	by_urn(u).__type == "aws:ec2/securityGroup:SecurityGroup"
}

ingress_rules := [r | some r in input.resources; count(ingress(r)) > 0]

# METADATA
# title: Internet traffic enters through the load balancer
# description: A group open to the internet belongs to a load balancer (or to the single public server of the first phases).
# custom:
#   message: Put the hosts behind the load balancer and admit only its security group.
stack_deny_public_entry contains msg if {
	some r in ingress_rules
	some e in ingress(r)
	e.world
	some g in rule_group(r)
	not g in lb_groups
	not g in eip_instance_groups
	msg := sprintf("'%s' opens %s to the internet, but it is neither a load balancer's nor the public server's group", [r.__name, by_urn(g).__name])
}

# METADATA
# title: The fleet accepts traffic only from the load balancer
# description: Once there is a load balancer, every ingress rule of a fleet's hosts references the load balancer's group.
# custom:
#   message: Replace the rule by one whose referencedSecurityGroupId is the load balancer's group.
stack_deny_fleet_bypass contains msg if {
	some r in ingress_rules
	some g in rule_group(r)
	g in fleet_groups
	not from_lb(r)
	msg := sprintf("'%s' lets traffic reach fleet hosts (%s) other than from the load balancer's group", [r.__name, by_urn(g).__name])
}

from_lb(r) if {
	some src in deps(r, "referencedSecurityGroupId")
	src in lb_groups
	not world_rule(r)
}

world_rule(r) if {
	some e in ingress(r)
	e.world
}

# METADATA
# title: Every database admits the web hosts of its region
# description: A database in a region with a load-balanced fleet admits that fleet's security group; AWS accepts a database no host may reach, and the hosts told to read from it then send every read elsewhere, or fail.
# custom:
#   message: Add an ingress rule on the database's group that references the fleet's group (port 5432).
stack_deny_database_unreachable contains msg if {
	some db in resources_of(rds)
	some fg in fleet_groups
	region_of(by_urn(fg)) == region_of(db)
	not admits(db, fg)
	msg := sprintf("database '%s' does not admit the web hosts of its region (%s)", [db.__name, by_urn(fg).__name])
}

admits(db, group) if {
	some sg in deps(db, "vpcSecurityGroupIds")
	some r in resources_of("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
	depends_on(r, "securityGroupId", sg)
	depends_on(r, "referencedSecurityGroupId", group)
}
