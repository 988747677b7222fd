// Package testprovider is a resource provider plugin that stands in for
// pulumi-aws, pulumi-docker and any other package the program uses, so the
// real Pulumi engine can run the stack program here: Check fills auto-names,
// Diff compares inputs, Create/Update/Read return the outputs of
// internal/knownvalues (the same values the offline graph's known view has),
// Invoke answers data sources from the same table. It never decides a
// replacement: that belongs to the real provider's schema.
//
// Delete refuses what AWS refuses where it matters for taking a stack down: a
// bucket that still holds objects (or, versioned, their versions) unless
// forceDestroy; an ECR repository holding an image unless forceDelete; an RDS
// instance or a load balancer with deletion protection on. Create refuses a
// docker container publishing a host port another container holds, as the
// Docker engine refuses to start it. Check refuses a
// Route 53 zone for a reserved name (RFC 2606/6761), which AWS refuses at
// creation, so that a preview shows it. What the provider holds across runs
// (objects in buckets, images in repositories) lives in a state directory.
package testprovider

import (
	"context"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/scalezero/scalezero/internal/knownvalues"
)

// Options are a provider process's modes.
type Options struct {
	Package, Version string
	// StateDir holds what the provider keeps across runs and the log of the
	// secret values it received (see State).
	StateDir string
	// EmptyLists returns every list output that is not an input empty.
	EmptyLists bool
	// EmptyInvokeLists returns every list of an invoke's result empty.
	EmptyInvokeLists bool
	// LostRegion is a region whose APIs fail (see lost.go).
	LostRegion string
}

// Provider serves one provider instance (one configured region).
type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer
	opts   Options
	region string
	state  *State
}

// New returns a provider for one package.
func New(opts Options) *Provider {
	return &Provider{opts: opts, state: &State{Dir: opts.StateDir}}
}

var marshal = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true, KeepOutputValues: false}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, marshal)
}

func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.opts.Version}, nil
}

func (p *Provider) Handshake(context.Context, *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true, AcceptResources: true}, nil
}

func (p *Provider) Attach(context.Context, *pulumirpc.PluginAttach) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *Provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *Provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := p.refuseConfig("CheckConfig", req.GetNews(), "skipCredentialsValidation"); err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *Provider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return p.diff(req)
}

func (p *Provider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	if err := p.refuseConfig("Configure", req.GetArgs(), "skipRequestingAccountId"); err != nil {
		return nil, err
	}
	if args := req.GetArgs(); args != nil {
		if r, ok := args.GetFields()["region"]; ok {
			p.region = r.GetStringValue()
		}
	}
	if p.region == "" {
		p.region = req.GetVariables()[p.opts.Package+":config:region"]
	}
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true}, nil
}

func (p *Provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	if !knownvalues.Known(req.GetType()) {
		return nil, status.Error(codes.InvalidArgument, (&knownvalues.MissingTypeError{Type: req.GetType()}).Error())
	}
	if err := p.state.LogSecrets(news); err != nil {
		return nil, err
	}
	if fail := refuseAtCheck(req.GetType(), news); fail != "" {
		return &pulumirpc.CheckResponse{Failures: []*pulumirpc.CheckFailure{{Reason: fail}}}, nil
	}
	inputs := knownvalues.AutoName(req.GetType(), req.GetUrn(), req.GetName(), news)
	out, err := plugin.MarshalProperties(inputs, marshal)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: out}, nil
}

// reserved are the names RFC 2606 and RFC 6761 keep from use; Route 53
// refuses hosted zones for them (InvalidDomainName).
var reserved = []string{"example.com", "example.net", "example.org", "example", "test", "invalid", "localhost"}

func refuseAtCheck(typ string, news resource.PropertyMap) string {
	if typ != "aws:route53/zone:Zone" {
		return ""
	}
	name := strings.TrimSuffix(str(news, "name"), ".")
	for _, r := range reserved {
		if name == r || strings.HasSuffix(name, "."+r) {
			return fmt.Sprintf("InvalidDomainName: %s is reserved by AWS (RFC 2606/6761); Route 53 does not create hosted zones for it", name)
		}
	}
	return ""
}

func str(m resource.PropertyMap, key string) string {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return ""
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

func boolean(m resource.PropertyMap, key string) bool {
	v, ok := m[resource.PropertyKey(key)]
	if ok && v.IsSecret() {
		v = v.SecretValue().Element
	}
	return ok && v.IsBool() && v.BoolValue()
}

func (p *Provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return p.diff(req)
}

// diff compares the old inputs with the new ones, property by property, and
// never asks for a replacement.
func (p *Provider) diff(req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	oldStruct := req.GetOldInputs()
	if oldStruct == nil {
		oldStruct = req.GetOlds()
	}
	olds, err := unmarshal(oldStruct)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	ignore := map[string]bool{}
	for _, k := range req.GetIgnoreChanges() {
		ignore[k] = true
	}
	keys := map[resource.PropertyKey]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true, DetailedDiff: map[string]*pulumirpc.PropertyDiff{}}
	for k := range keys {
		if ignore[string(k)] || strings.HasPrefix(string(k), "__") {
			continue
		}
		o, ook := olds[k]
		n, nok := news[k]
		var kind pulumirpc.PropertyDiff_Kind
		switch {
		case ook && !nok:
			kind = pulumirpc.PropertyDiff_DELETE
		case !ook && nok:
			kind = pulumirpc.PropertyDiff_ADD
		case n.ContainsUnknowns() || !strip(o).DeepEquals(strip(n)):
			kind = pulumirpc.PropertyDiff_UPDATE
		default:
			continue
		}
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
		resp.Diffs = append(resp.Diffs, string(k))
		resp.DetailedDiff[string(k)] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	return resp, nil
}

// strip drops secret wrappers: a value that became secret is the same value.
func strip(v resource.PropertyValue) resource.PropertyValue {
	return resource.NewPropertyValue(v.MapRepl(nil, func(v resource.PropertyValue) (any, bool) {
		if v.IsSecret() {
			return v.SecretValue().Element.Mappable(), true
		}
		return nil, false
	}))
}

func (p *Provider) outputs(req knownvalues.Request) (string, *structpb.Struct, error) {
	req.Region = p.region
	req.EmptyLists = p.opts.EmptyLists
	id, outs, err := knownvalues.Resource(req)
	if err != nil {
		return "", nil, err
	}
	s, err := plugin.MarshalProperties(outs, marshal)
	return id, s, err
}

// apply returns what a create or an update of props leaves, and records it;
// id is the resource's on an update, "" on a create.
func (p *Provider) apply(urn, typ, name, id string, props *structpb.Struct, preview bool) (string, *structpb.Struct, error) {
	inputs, err := unmarshal(props)
	if err != nil {
		return "", nil, err
	}
	newID, outs, err := p.outputs(knownvalues.Request{URN: urn, Type: typ, Name: name, Inputs: inputs, Preview: preview})
	if err != nil || preview {
		return newID, outs, err
	}
	if id == "" {
		id = newID
	}
	return newID, outs, p.state.Created(typ, id, inputs, outs)
}

func (p *Provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if err := p.refuseLost("create "+req.GetUrn(), req.GetPreview()); err != nil {
		return nil, err
	}
	id, outs, err := p.apply(req.GetUrn(), req.GetType(), req.GetName(), "", req.GetProperties(), req.GetPreview())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: outs}, nil
}

func (p *Provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	if err := p.refuseLost("update "+req.GetUrn(), req.GetPreview()); err != nil {
		return nil, err
	}
	_, outs, err := p.apply(req.GetUrn(), req.GetType(), req.GetName(), req.GetId(), req.GetNews(), req.GetPreview())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: outs}, nil
}

func (p *Provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if err := p.refuseLost("read "+req.GetUrn(), false); err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (p *Provider) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	if err := p.refuseLost("delete "+req.GetUrn(), false); err != nil {
		return nil, err
	}
	outs, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	typ := req.GetType()
	if typ == "" {
		typ = urnType(req.GetUrn())
	}
	if err := p.state.Delete(typ, req.GetId(), outs); err != nil {
		return nil, status.Error(codes.FailedPrecondition, err.Error())
	}
	return &emptypb.Empty{}, nil
}

func urnType(urn string) string {
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return ""
	}
	chain := parts[2]
	return chain[strings.LastIndex(chain, "$")+1:]
}

func (p *Provider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	if !knownvalues.AnsweredLocally(req.GetTok()) {
		if err := p.refuseLost("invoke "+req.GetTok(), false); err != nil {
			return nil, err
		}
	}
	args, err := unmarshal(req.GetArgs())
	if err != nil {
		return nil, err
	}
	out, err := knownvalues.Invoke(req.GetTok(), p.region, args, p.opts.EmptyInvokeLists)
	if err != nil {
		return nil, err
	}
	if err := p.state.LogCredentials(req.GetTok(), out); err != nil {
		return nil, err
	}
	s, err := plugin.MarshalProperties(out, marshal)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: s}, nil
}
