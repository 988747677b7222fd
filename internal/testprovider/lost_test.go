package testprovider

import (
	"context"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func config(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A provider of the lost region refuses what would reach AWS there and
// answers what it computes itself; another region's provider is untouched.
func TestALostRegionAnswersNothingThatReachesAWS(t *testing.T) {
	ctx := context.Background()
	lost := New(Options{Package: "aws", LostRegion: "us-east-1", StateDir: t.TempDir()})
	if _, err := lost.CheckConfig(ctx, &pulumirpc.CheckRequest{News: config(t, map[string]any{"region": "us-east-1"})}); err == nil || !strings.Contains(err.Error(), "skipCredentialsValidation") {
		t.Fatalf("CheckConfig without skipping the STS check: %v", err)
	}
	skipping := config(t, map[string]any{"region": "us-east-1", "skipCredentialsValidation": "true", "skipRequestingAccountId": true})
	if _, err := lost.CheckConfig(ctx, &pulumirpc.CheckRequest{News: skipping}); err != nil {
		t.Fatalf("CheckConfig skipping the STS check: %v", err)
	}
	if _, err := lost.Configure(ctx, &pulumirpc.ConfigureRequest{Args: skipping}); err != nil {
		t.Fatalf("Configure skipping the account lookup: %v", err)
	}
	props := config(t, map[string]any{"cidrBlock": "10.0.0.0/16"})
	urn := "urn:pulumi:dev::scalezero::aws:ec2/vpc:Vpc::net"
	if _, err := lost.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Type: "aws:ec2/vpc:Vpc", Name: "net", Properties: props}); err == nil {
		t.Error("a create in the lost region succeeded")
	}
	if _, err := lost.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Type: "aws:ec2/vpc:Vpc", Name: "net", Properties: props, Preview: true}); err != nil {
		t.Errorf("a preview's create (no call to AWS) failed: %v", err)
	}
	if _, err := lost.Update(ctx, &pulumirpc.UpdateRequest{Urn: urn, Type: "aws:ec2/vpc:Vpc", News: props}); err == nil {
		t.Error("an update in the lost region succeeded")
	}
	if _, err := lost.Delete(ctx, &pulumirpc.DeleteRequest{Urn: urn, Type: "aws:ec2/vpc:Vpc", Id: "vpc-1", Properties: props}); err == nil {
		t.Error("a delete in the lost region succeeded")
	}
	if _, err := lost.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "aws:index/getAvailabilityZones:getAvailabilityZones", Args: config(t, nil)}); err == nil {
		t.Error("a zone lookup in the lost region succeeded")
	}
	if _, err := lost.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "aws:elb/getServiceAccount:getServiceAccount", Args: config(t, nil)}); err != nil {
		t.Errorf("a lookup the provider answers from its tables failed: %v", err)
	}

	healthy := New(Options{Package: "aws", LostRegion: "us-east-1", StateDir: t.TempDir()})
	if _, err := healthy.Configure(ctx, &pulumirpc.ConfigureRequest{Args: config(t, map[string]any{"region": "eu-west-1"})}); err != nil {
		t.Fatal(err)
	}
	if _, err := healthy.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Type: "aws:ec2/vpc:Vpc", Name: "net", Properties: props}); err != nil {
		t.Errorf("a create in the healthy region failed: %v", err)
	}
}
