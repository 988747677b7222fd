// Package certificate requests an ACM certificate for one name and validates
// it by DNS in the name's Route53 zone; ACM renews it for as long as the
// validation record stays. ACM asks for the same CNAME record for a name in
// every region of an account, so a second certificate for a name (the other
// region's load balancer) takes the first one's record (ValidatedBy) instead
// of writing it again: Route53 would refuse the duplicate, and removing one
// copy later would break the other certificate's renewals.
package certificate

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// Args configure a Certificate. The provider option picks its region: a
// load balancer's, or us-east-1 for CloudFront.
type Args struct {
	Domain string             // the certificate's one name
	ZoneID pulumi.StringInput // the delegated zone that holds Domain
	// ValidatedBy is the validation record another Certificate for the same
	// Domain made (its RecordFQDN); nil makes the record here.
	ValidatedBy pulumi.StringInput
	Tags        map[string]string
}

// Certificate is the component.
type Certificate struct {
	pulumi.ResourceState

	Certificate *acm.Certificate
	Record      *route53.Record // nil when ValidatedBy was given
	Validation  *acm.CertificateValidation

	// ARN is the certificate once ACM has issued it: a listener or a
	// distribution that uses it waits for the validation, nothing else does.
	ARN        pulumi.StringOutput
	RecordFQDN pulumi.StringOutput
}

// New requests and validates the certificate.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Certificate, error) {
	bad := shared.Invalid("certificate")
	switch {
	case args == nil:
		return nil, bad("args", nil, "non-nil Args")
	case args.Domain == "":
		return nil, bad("Domain", `""`, "the DNS name the certificate is for")
	case args.ZoneID == nil && args.ValidatedBy == nil:
		return nil, bad("ZoneID", nil, "the hosted zone of Domain, or ValidatedBy")
	}
	c := &Certificate{}
	if err := ctx.RegisterComponentResource(shared.Project+":certificate:Certificate", name, c, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)
	var err error
	if c.Certificate, err = acm.NewCertificate(ctx, name, &acm.CertificateArgs{
		DomainName:       pulumi.String(args.Domain),
		ValidationMethod: pulumi.String("DNS"),
		KeyAlgorithm:     pulumi.String("RSA_2048"),
		Tags:             shared.Tags(args.Tags, name),
	}, child); err != nil {
		return nil, err
	}
	if args.ValidatedBy != nil {
		c.RecordFQDN = args.ValidatedBy.ToStringOutput()
	} else {
		option := validationOption(name, args.Domain, c.Certificate.DomainValidationOptions)
		if c.Record, err = route53.NewRecord(ctx, name+"-validation", &route53.RecordArgs{
			ZoneId:  args.ZoneID,
			Name:    option.ResourceRecordName().Elem(),
			Type:    option.ResourceRecordType().Elem(),
			Records: pulumi.StringArray{option.ResourceRecordValue().Elem()},
			Ttl:     pulumi.Int(300),
		}, child); err != nil {
			return nil, err
		}
		c.RecordFQDN = c.Record.Fqdn
	}
	if c.Validation, err = acm.NewCertificateValidation(ctx, name, &acm.CertificateValidationArgs{
		CertificateArn:        c.Certificate.Arn,
		ValidationRecordFqdns: pulumi.StringArray{c.RecordFQDN},
	}, child); err != nil {
		return nil, err
	}
	c.ARN = c.Validation.CertificateArn
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"arn": c.ARN, "recordFqdn": c.RecordFQDN})
}

// validationOption picks the record ACM asks for for domain. The list is
// the provider's to fill; an empty one is an error naming the certificate,
// never an index out of range.
func validationOption(name, domain string, options acm.CertificateDomainValidationOptionArrayOutput) acm.CertificateDomainValidationOptionOutput {
	return options.ApplyT(func(all []acm.CertificateDomainValidationOption) (acm.CertificateDomainValidationOption, error) {
		for _, o := range all {
			if o.DomainName != nil && *o.DomainName == domain && o.ResourceRecordName != nil {
				return o, nil
			}
		}
		return acm.CertificateDomainValidationOption{}, fmt.Errorf("certificate %s: ACM returned no DNS validation record for %s (got %d options)", name, domain, len(all))
	}).(acm.CertificateDomainValidationOptionOutput)
}
