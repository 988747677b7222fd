package testprovider

import (
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
)

// A lost region (Options.LostRegion, EnvLostRegion) stands for one whose
// APIs fail during an outage: every call the AWS provider would make there
// fails as a timed-out connection does. Those are creates, updates, deletes,
// reads and the data sources AWS answers (zones, AMIs, the caller's
// identity, registry tokens); and, when the provider is configured, the STS
// call pulumi-aws makes to check the credentials (at CheckConfig, unless
// skipCredentialsValidation) and the account lookup (at Configure, unless
// skipRequestingAccountId). What the provider does on its own stays
// available: checks, diffs, previews, and the data sources it answers from
// its own tables (knownvalues.AnsweredLocally).

// refuseLost fails a call that would reach AWS in a lost region.
func (p *Provider) refuseLost(call string, preview bool) error {
	if preview || p.opts.LostRegion == "" || p.region != p.opts.LostRegion {
		return nil
	}
	return status.Errorf(codes.Unavailable, "%s: dial tcp: lookup of %s's endpoints: i/o timeout (the region's APIs do not answer)", call, p.region)
}

// refuseConfig fails a provider configuration for a lost region unless it
// skips the call that step makes.
func (p *Provider) refuseConfig(step string, args *structpb.Struct, skip string) error {
	if p.opts.LostRegion == "" || args == nil {
		return nil
	}
	fields := args.GetFields()
	if fields["region"].GetStringValue() != p.opts.LostRegion {
		return nil
	}
	v := fields[skip]
	if v.GetBoolValue() || v.GetStringValue() == "true" {
		return nil
	}
	return status.Error(codes.Unavailable, fmt.Sprintf("%s: sts.%s.amazonaws.com: i/o timeout (the region's APIs do not answer; %s is off)", step, p.opts.LostRegion, skip))
}
