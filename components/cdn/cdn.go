// Package cdn builds the static-content tier: a private, encrypted, versioned S3
// bucket that only CloudFront may read (origin access control, bucket policy
// conditioned on the distribution's ARN), and a distribution that serves /static/*
// from it with long TTLs and the app's security headers (a response headers
// policy), and sends everything else to the load balancer uncached.
//
// Assets are content-hashed, and a release never deletes the previous ones:
// pages rendered before it (instances not yet refreshed, browsers, caches)
// still ask for them. They are retained when they leave the program; S3
// lifecycle rules count from an object's creation and cannot tell a retired
// asset from a live one, so none expires them (they weigh kilobytes per
// release); the bucket is force-destroyed, as everything in it is rebuilt
// from the repository.
//
// The dynamic origin has no CloudFront fallback: an origin group may serve
// only cache behaviors limited to GET, HEAD and OPTIONS, and the dynamic
// behavior takes POST, PUT and DELETE; with two regions and a delegated
// zone its origin is the geo-routed name, which Route 53 already fails over
// between the regions.
//
// The component belongs in us-east-1 (pass that region's provider): a
// certificate for a CloudFront alias, and CloudFront's log delivery, must be
// there.
package cdn

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// Object is one static asset uploaded to the bucket.
type Object struct {
	Key          string // content-hashed: static/app.3f2a9c1e.css
	ContentType  string
	Body         string
	CacheControl string
}

// Args configure a CDN.
type Args struct {
	// OriginDomain is the origin for dynamic paths: the load balancer's DNS
	// name, or with HTTPS a name on its certificate.
	OriginDomain pulumi.StringInput
	OriginHTTPS  bool
	PriceClass   string // PriceClass_100 | PriceClass_200 | PriceClass_All
	MinTTL       int
	DefaultTTL   int
	MaxTTL       int
	Objects      []Object
	// Alias and CertificateARN: the distribution answers as Alias with this
	// us-east-1 certificate; without, as its cloudfront.net name.
	Alias          string
	CertificateARN pulumi.StringInput
	// LogBucketARN receives the access logs (standard logging v2) under
	// LogPrefix; nil: none.
	LogBucketARN pulumi.StringInput
	LogPrefix    string // default "cloudfront"
	Tags         map[string]string
	// LogBucketPolicy is the log bucket's policy: the delivery waits for
	// it, or CloudWatch finds no grant and writes one of its own.
	LogBucketPolicy pulumi.Resource
}

// CDN is the component.
type CDN struct {
	pulumi.ResourceState

	Bucket       *s3.BucketV2
	Distribution *cloudfront.Distribution
	LogDelivery  *cloudwatch.LogDelivery // nil without LogBucketARN

	DNSName    pulumi.StringOutput // the cloudfront.net name (DNSName, as a load balancer's)
	ZoneID     pulumi.StringOutput // CloudFront's hosted zone, for alias records
	BaseURL    pulumi.StringOutput
	BucketName pulumi.StringOutput
	// DistributionID is the CloudWatch dimension.
	DistributionID pulumi.StringOutput
}

// AWS-managed policies for the dynamic origin: no caching, forward everything
// the viewer sent except Host (the ALB answers for its own name).
const (
	managedCachingDisabled           = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	managedAllViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
	staticOrigin                     = "static"
	appOrigin                        = "app"
)

func validate(a *Args) error {
	bad := shared.Invalid("cdn")
	switch {
	case a == nil:
		return bad("args", nil, "non-nil Args")
	case a.OriginDomain == nil:
		return bad("OriginDomain", nil, "the load balancer's DNS name")
	case a.PriceClass != "PriceClass_100" && a.PriceClass != "PriceClass_200" && a.PriceClass != "PriceClass_All":
		return bad("PriceClass", a.PriceClass, "PriceClass_100, PriceClass_200 or PriceClass_All")
	case a.MinTTL < 0 || a.MinTTL > a.DefaultTTL || a.DefaultTTL > a.MaxTTL:
		return bad("MinTTL/DefaultTTL/MaxTTL", []int{a.MinTTL, a.DefaultTTL, a.MaxTTL}, "0 <= MinTTL <= DefaultTTL <= MaxTTL")
	case (a.Alias == "") != (a.CertificateARN == nil):
		return bad("Alias/CertificateARN", a.Alias, "both or neither (an alias needs a certificate for it)")
	}
	return nil
}

// New creates the CDN step by step: the static bucket CloudFront alone
// reads, the policies of its two behaviors, the distribution in front of
// the bucket and the load balancer, the bucket's grant to it, the assets,
// and the access logs.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*CDN, error) {
	if err := validate(args); err != nil {
		return nil, err
	}
	c := &CDN{}
	if err := ctx.RegisterComponentResource(shared.Project+":cdn:CDN", name, c, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)
	oac, err := c.staticBucket(ctx, name, args, child)
	if err != nil {
		return nil, err
	}
	p, err := newPolicies(ctx, name, args, child)
	if err != nil {
		return nil, err
	}
	if err := c.distribution(ctx, name, args, oac, p, child); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{
		Bucket: c.Bucket.ID(),
		Policy: bucketPolicy(c.Bucket.Arn, c.Distribution.Arn),
	}, child); err != nil {
		return nil, err
	}
	if err := c.objects(ctx, name, args, child); err != nil {
		return nil, err
	}
	if args.LogBucketARN != nil {
		if err := c.accessLogs(ctx, name, args, child); err != nil {
			return nil, err
		}
	}
	c.DNSName = c.Distribution.DomainName
	c.ZoneID = c.Distribution.HostedZoneId
	c.DistributionID = c.Distribution.ID().ToStringOutput()
	c.BaseURL = pulumi.Sprintf("https://%s", c.Distribution.DomainName)
	if args.Alias != "" {
		c.BaseURL = pulumi.String("https://" + args.Alias).ToStringOutput()
	}
	c.BucketName = c.Bucket.Bucket
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"domainName": c.DNSName, // the output's name predates the field's; state keeps it
		"baseUrl":    c.BaseURL,
		"bucketName": c.BucketName,
	})
}

// staticBucket creates the private bucket of the static assets and the
// origin access control CloudFront signs its reads with.
func (c *CDN) staticBucket(ctx *pulumi.Context, name string, args *Args, child pulumi.ResourceOption) (*cloudfront.OriginAccessControl, error) {
	var err error
	if c.Bucket, err = s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		ForceDestroy: pulumi.Bool(true),
		Tags:         shared.Tags(args.Tags, name),
	}, child); err != nil {
		return nil, err
	}
	if err := shared.PrivateBucket(ctx, name, c.Bucket, shared.Lifecycle{NoncurrentDays: 30}, child); err != nil {
		return nil, err
	}
	return cloudfront.NewOriginAccessControl(ctx, name, &cloudfront.OriginAccessControlArgs{
		OriginAccessControlOriginType: pulumi.String("s3"),
		SigningBehavior:               pulumi.String("always"),
		SigningProtocol:               pulumi.String("sigv4"),
		Description:                   pulumi.String(name + ": CloudFront reads the static bucket"),
	}, child)
}

// policies are the behaviors' cache and response headers policies.
type policies struct {
	assets  *cloudfront.CachePolicy           // the static assets' TTLs
	headers *cloudfront.ResponseHeadersPolicy // the static assets' security headers
	hsts    *cloudfront.ResponseHeadersPolicy // HSTS on the app's answers
}

func newPolicies(ctx *pulumi.Context, name string, args *Args, child pulumi.ResourceOption) (policies, error) {
	var p policies
	var err error
	if p.assets, err = cloudfront.NewCachePolicy(ctx, name+"-static", &cloudfront.CachePolicyArgs{
		Comment:    pulumi.String("content-hashed static assets"),
		MinTtl:     pulumi.Int(args.MinTTL),
		DefaultTtl: pulumi.Int(args.DefaultTTL),
		MaxTtl:     pulumi.Int(args.MaxTTL),
		ParametersInCacheKeyAndForwardedToOrigin: cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs{
			EnableAcceptEncodingGzip:   pulumi.Bool(true),
			EnableAcceptEncodingBrotli: pulumi.Bool(true),
			CookiesConfig:              cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs{CookieBehavior: pulumi.String("none")},
			HeadersConfig:              cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs{HeaderBehavior: pulumi.String("none")},
			QueryStringsConfig:         cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs{QueryStringBehavior: pulumi.String("none")},
		},
	}, child); err != nil {
		return p, err
	}
	if p.headers, err = staticHeaders(ctx, name, child); err != nil {
		return p, err
	}
	p.hsts, err = appHSTS(ctx, name, child)
	return p, err
}

// distribution is CloudFront in front of the static bucket (/static/*) and
// the load balancer (everything else, never cached).
func (c *CDN) distribution(ctx *pulumi.Context, name string, args *Args, oac *cloudfront.OriginAccessControl, p policies, child pulumi.ResourceOption) error {
	originProtocol := "http-only"
	if args.OriginHTTPS {
		originProtocol = "https-only"
	}
	// With CloudFront's own certificate, AWS serves TLSv1 whatever is asked,
	// so asking would show as a change on every update; a minimum protocol
	// is set only with a certificate of ours.
	viewer := cloudfront.DistributionViewerCertificateArgs{CloudfrontDefaultCertificate: pulumi.Bool(true)}
	var aliases pulumi.StringArray
	if args.CertificateARN != nil {
		viewer = cloudfront.DistributionViewerCertificateArgs{
			AcmCertificateArn:      args.CertificateARN,
			SslSupportMethod:       pulumi.String("sni-only"),
			MinimumProtocolVersion: pulumi.String("TLSv1.2_2021"),
		}
		aliases = pulumi.StringArray{pulumi.String(args.Alias)}
	}
	var err error
	c.Distribution, err = cloudfront.NewDistribution(ctx, name, &cloudfront.DistributionArgs{
		Enabled:       pulumi.Bool(true),
		Aliases:       aliases,
		Comment:       pulumi.String(name),
		PriceClass:    pulumi.String(args.PriceClass),
		HttpVersion:   pulumi.String("http2and3"),
		IsIpv6Enabled: pulumi.Bool(true),
		Origins: cloudfront.DistributionOriginArray{
			cloudfront.DistributionOriginArgs{
				OriginId:              pulumi.String(staticOrigin),
				DomainName:            c.Bucket.BucketRegionalDomainName,
				OriginAccessControlId: oac.ID(),
			},
			cloudfront.DistributionOriginArgs{
				OriginId:   pulumi.String(appOrigin),
				DomainName: args.OriginDomain,
				CustomOriginConfig: cloudfront.DistributionOriginCustomOriginConfigArgs{
					HttpPort:             pulumi.Int(80),
					HttpsPort:            pulumi.Int(443),
					OriginProtocolPolicy: pulumi.String(originProtocol),
					OriginSslProtocols:   pulumi.ToStringArray([]string{"TLSv1.2"}),
				},
			},
		},
		DefaultCacheBehavior: cloudfront.DistributionDefaultCacheBehaviorArgs{
			TargetOriginId:        pulumi.String(appOrigin),
			ViewerProtocolPolicy:  pulumi.String("redirect-to-https"),
			AllowedMethods:        pulumi.ToStringArray([]string{"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}),
			CachedMethods:         pulumi.ToStringArray([]string{"GET", "HEAD"}),
			CachePolicyId:         pulumi.String(managedCachingDisabled),
			OriginRequestPolicyId: pulumi.String(managedAllViewerExceptHostHeader),
			// Viewers reach CloudFront over HTTPS only, but the app may be
			// reached over HTTP behind it and then sends no HSTS itself.
			ResponseHeadersPolicyId: p.hsts.ID(),
			Compress:                pulumi.Bool(true),
		},
		OrderedCacheBehaviors: cloudfront.DistributionOrderedCacheBehaviorArray{
			cloudfront.DistributionOrderedCacheBehaviorArgs{
				PathPattern:          pulumi.String("/static/*"),
				TargetOriginId:       pulumi.String(staticOrigin),
				ViewerProtocolPolicy: pulumi.String("redirect-to-https"),
				AllowedMethods:       pulumi.ToStringArray([]string{"GET", "HEAD"}),
				CachedMethods:        pulumi.ToStringArray([]string{"GET", "HEAD"}),
				CachePolicyId:        p.assets.ID(),
				// S3 sends no security headers of its own; the app's
				// answers (the default behavior) carry theirs.
				ResponseHeadersPolicyId: p.headers.ID(),
				Compress:                pulumi.Bool(true),
			},
		},
		Restrictions: cloudfront.DistributionRestrictionsArgs{
			GeoRestriction: cloudfront.DistributionRestrictionsGeoRestrictionArgs{RestrictionType: pulumi.String("none")},
		},
		ViewerCertificate: viewer,
		Tags:              shared.Tags(args.Tags, name),
	}, child)
	return err
}

// objects uploads the assets.
func (c *CDN) objects(ctx *pulumi.Context, name string, args *Args, child pulumi.ResourceOption) error {
	for _, o := range args.Objects {
		if _, err := s3.NewBucketObjectv2(ctx, name+"-"+o.Key, &s3.BucketObjectv2Args{
			Bucket:       c.Bucket.ID(),
			Key:          pulumi.String(o.Key),
			Content:      pulumi.String(o.Body),
			ContentType:  pulumi.String(o.ContentType),
			CacheControl: pulumi.String(o.CacheControl),
		}, child,
			// A retired asset stays: pages of the previous release load it.
			pulumi.RetainOnDelete(true)); err != nil {
			return err
		}
	}
	return nil
}

// StaticCSP is the Content-Security-Policy of the static assets: a
// stylesheet or script loads nothing itself, and no asset may be framed.
const StaticCSP = "default-src 'none'; frame-ancestors 'none'"

// staticHeaders is the response headers policy of the static behavior: the
// security headers the app sends on its own answers (app/http/headers.go),
// which S3 cannot send. Response headers policies are free.
func staticHeaders(ctx *pulumi.Context, name string, opt pulumi.ResourceOption) (*cloudfront.ResponseHeadersPolicy, error) {
	return cloudfront.NewResponseHeadersPolicy(ctx, name+"-static", &cloudfront.ResponseHeadersPolicyArgs{
		Comment: pulumi.String("security headers of the static assets"),
		SecurityHeadersConfig: cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs{
			ContentSecurityPolicy: cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicyArgs{
				ContentSecurityPolicy: pulumi.String(StaticCSP), Override: pulumi.Bool(true),
			},
			ContentTypeOptions: cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs{Override: pulumi.Bool(true)},
			FrameOptions: cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs{
				FrameOption: pulumi.String("DENY"), Override: pulumi.Bool(true),
			},
			ReferrerPolicy: cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs{
				ReferrerPolicy: pulumi.String("same-origin"), Override: pulumi.Bool(true),
			},
			StrictTransportSecurity: hstsArgs,
		},
	}, opt)
}

// hstsArgs is one year, subdomains included, as the app sends it.
var hstsArgs = cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs{
	AccessControlMaxAgeSec: pulumi.Int(31536000), IncludeSubdomains: pulumi.Bool(true), Override: pulumi.Bool(true),
}

// appHSTS is the response headers policy of the app's (default) behavior:
// HSTS only; the app sends its other security headers itself.
func appHSTS(ctx *pulumi.Context, name string, opt pulumi.ResourceOption) (*cloudfront.ResponseHeadersPolicy, error) {
	return cloudfront.NewResponseHeadersPolicy(ctx, name+"-app", &cloudfront.ResponseHeadersPolicyArgs{
		Comment:               pulumi.String("HSTS on the app's answers"),
		SecurityHeadersConfig: cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs{StrictTransportSecurity: hstsArgs},
	}, opt)
}

// bucketPolicy lets only this distribution read, and refuses plain HTTP.
func bucketPolicy(bucketARN, distributionARN pulumi.StringOutput) pulumi.StringOutput {
	return pulumi.JSONMarshal(pulumi.Map{
		"Version": pulumi.String("2012-10-17"),
		"Statement": pulumi.Array{
			pulumi.Map{
				"Sid":       pulumi.String("CloudFrontReadsThroughOAC"),
				"Effect":    pulumi.String("Allow"),
				"Principal": pulumi.Map{"Service": pulumi.String("cloudfront.amazonaws.com")},
				"Action":    pulumi.String("s3:GetObject"),
				"Resource":  pulumi.Sprintf("%s/*", bucketARN),
				"Condition": pulumi.Map{"StringEquals": pulumi.Map{"AWS:SourceArn": distributionARN}},
			},
			shared.DenyInsecureTransport(bucketARN),
		},
	})
}

// OutputFormat is the access logs' format in the log bucket.
const OutputFormat = "w3c"

// accessLogs delivers the distribution's standard logs (v2) to the log
// bucket. The legacy logging writes with bucket ACLs, which a bucket with
// BucketOwnerEnforced (all of ours) refuses; v2 goes through CloudWatch's
// log delivery and needs no ACL.
func (c *CDN) accessLogs(ctx *pulumi.Context, name string, args *Args, opt pulumi.ResourceOption) error {
	prefix := args.LogPrefix
	if prefix == "" {
		prefix = "cloudfront"
	}
	src, err := cloudwatch.NewLogDeliverySource(ctx, name, &cloudwatch.LogDeliverySourceArgs{
		LogType:     pulumi.String("ACCESS_LOGS"),
		ResourceArn: c.Distribution.Arn,
		Tags:        shared.Tags(args.Tags, name),
	}, opt)
	if err != nil {
		return err
	}
	dst, err := cloudwatch.NewLogDeliveryDestination(ctx, name, &cloudwatch.LogDeliveryDestinationArgs{
		DeliveryDestinationConfiguration: cloudwatch.LogDeliveryDestinationDeliveryDestinationConfigurationArgs{
			DestinationResourceArn: pulumi.Sprintf("%s/%s", args.LogBucketARN, prefix),
		},
		// What AWS picks for CloudFront's access logs in S3 when none is
		// given (W3C, the legacy logs' format): left unset, a refresh
		// reads it back, and the field replaces the destination on change.
		OutputFormat: pulumi.String(OutputFormat),
		Tags:         shared.Tags(args.Tags, name),
	}, opt)
	if err != nil {
		return err
	}
	after := []pulumi.Resource{}
	if args.LogBucketPolicy != nil {
		after = append(after, args.LogBucketPolicy)
	}
	c.LogDelivery, err = cloudwatch.NewLogDelivery(ctx, name, &cloudwatch.LogDeliveryArgs{
		DeliverySourceName:     src.Name,
		DeliveryDestinationArn: dst.Arn,
		Tags:                   shared.Tags(args.Tags, name),
	}, opt, pulumi.DependsOn(after))
	return err
}
