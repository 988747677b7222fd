package shared

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AccountID is account when given, else the caller's account as the
// parent's provider sees it (an STS call in that provider's region, which
// the stack makes once, in a region that answers, and passes on).
func AccountID(ctx *pulumi.Context, parent pulumi.Resource, account string) (string, error) {
	if account != "" {
		return account, nil
	}
	me, err := aws.GetCallerIdentity(ctx, &aws.GetCallerIdentityArgs{}, pulumi.Parent(parent))
	if err != nil {
		return "", err
	}
	return me.AccountId, nil
}
