package singleserver_test

import (
	"slices"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/singleserver"
	"github.com/scalezero/scalezero/graph/record"
)

func program(ctx *pulumi.Context) error {
	igw, err := ec2.NewInternetGateway(ctx, "igw", &ec2.InternetGatewayArgs{VpcId: pulumi.String("vpc-1")})
	if err != nil {
		return err
	}
	_, err = singleserver.New(ctx, "server", &singleserver.Args{InternetGateway: igw,
		VpcID: pulumi.String("vpc-1"), SubnetID: pulumi.String("subnet-public-a"), InstanceType: "t3.small",
		UserData: "#!/bin/sh\n", ProfileName: pulumi.String("server-profile"), RootVolumeGiB: 20,
	})
	return err
}

// The phase-1 server takes HTTP and HTTPS from the internet and nothing
// else (no SSH: SSM reaches it), answers metadata with IMDSv2 only, and is
// reached at an Elastic IP of its own.
func TestServer(t *testing.T) {
	g := record.Known(t, program)
	var ports []float64
	for _, r := range g.OfType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
		if r.Get("fromPort") != r.Get("toPort") || r.Str("cidrIpv4") != "0.0.0.0/0" {
			t.Errorf("ingress %s: %v", r.Name, r.Inputs)
		}
		p, _ := r.Get("fromPort").(float64)
		ports = append(ports, p)
	}
	slices.Sort(ports)
	if !slices.Equal(ports, []float64{80, 443}) {
		t.Errorf("open ports %v, want 80 and 443", ports)
	}
	vm, _ := g.Named("aws:ec2/instance:Instance", "server")
	for path, want := range map[string]any{
		"metadataOptions.httpTokens": "required", "associatePublicIpAddress": false,
		"rootBlockDevice.encrypted": true, "rootBlockDevice.volumeSize": 20.0, "subnetId": "subnet-public-a",
	} {
		if got := vm.Get(path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	eip, ok := g.Named("aws:ec2/eip:Eip", "server")
	if !ok || !eip.DependsOn("instance", vm.URN) || !slices.Contains(eip.Dependencies, "urn:pulumi:dev::scalezero::aws:ec2/internetGateway:InternetGateway::igw") {
		t.Error("the Elastic IP is not the server's")
	}
}

// One server with its security group and address.
func ExampleNew() {
	record.PrintCensus(program)
	// Output:
	// aws:ec2/eip:Eip 1
	// aws:ec2/instance:Instance 1
	// aws:ec2/internetGateway:InternetGateway 1
	// aws:ec2/securityGroup:SecurityGroup 1
	// aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule 1
	// aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule 2
}
