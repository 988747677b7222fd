// Package dns holds the stack's domain: its hosted zone (Zone, made early,
// as certificates are validated in it) and the records that point the
// domain at its entry points (DNS, made last, once those exist). With one
// target the apex is one record (the geolocation default, see site): the
// server's Elastic IP (phases 1-2) or an alias to the load balancer. With
// two regions it routes by geolocation,
// each location health-checked, and a default record that fails over between
// the regions, so that when one region is unhealthy every location ends up
// in the other. The CDN, when it has the domain's certificate, answers as
// static.<domain>.
package dns

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// Target is where a record points: an IP address or an alias to a load balancer.
type Target struct {
	IP      pulumi.StringInput // an A record to this address, or
	DNSName pulumi.StringInput // an alias to this name
	ZoneID  pulumi.StringInput // in this hosted zone
	HTTPS   bool               // health checks use HTTPS
}

// Location sends one geolocation to a region.
type Location struct {
	Continent string // a continent code, or
	Country   string // a country code
	Secondary bool
}

// ZoneArgs configure a Zone.
type ZoneArgs struct {
	Domain string
	ZoneID string // an existing, delegated hosted zone; empty creates one
	Tags   map[string]string
}

// Zone is the domain's hosted zone.
type Zone struct {
	pulumi.ResourceState

	Zone *route53.Zone // nil when an existing zone is used

	Domain      string
	ZoneID      pulumi.StringOutput
	NameServers pulumi.StringArrayOutput // empty for an existing zone
}

// NewZone makes the hosted zone, or adopts an existing one by id.
func NewZone(ctx *pulumi.Context, name string, args *ZoneArgs, opts ...pulumi.ResourceOption) (*Zone, error) {
	if args == nil || args.Domain == "" || strings.HasSuffix(args.Domain, ".") {
		var got any
		if args != nil {
			got = args.Domain
		}
		return nil, shared.Invalid("dns")("Domain", got, "a DNS name without trailing dot")
	}
	z := &Zone{Domain: args.Domain}
	if err := ctx.RegisterComponentResource(shared.Project+":dns:Zone", name, z, opts...); err != nil {
		return nil, err
	}
	if args.ZoneID != "" {
		z.ZoneID = pulumi.String(args.ZoneID).ToStringOutput()
		z.NameServers = pulumi.StringArray{}.ToStringArrayOutput()
	} else {
		zone, err := route53.NewZone(ctx, name, &route53.ZoneArgs{
			Name: pulumi.String(args.Domain),
			Tags: shared.Tags(args.Tags, name),
		}, pulumi.Parent(z))
		if err != nil {
			return nil, err
		}
		z.Zone, z.ZoneID, z.NameServers = zone, zone.ZoneId, zone.NameServers
	}
	return z, ctx.RegisterResourceOutputs(z, pulumi.Map{
		"zoneId":      z.ZoneID,
		"nameServers": z.NameServers,
	})
}

// Args configure the records.
type Args struct {
	Zone *Zone
	// Single, or Primary and Secondary with Locations.
	Single             *Target
	Primary, Secondary *Target
	Locations          []Location
	// CDN, when set, is aliased as StaticName (a name on the CDN's certificate).
	CDN        *Target
	StaticName string
	Tags       map[string]string
}

// DNS is the component.
type DNS struct {
	pulumi.ResourceState

	HealthChecks []*route53.HealthCheck
	Records      []*route53.Record
}

func validate(a *Args) error {
	bad := shared.Invalid("dns")
	switch {
	case a == nil:
		return bad("args", nil, "non-nil Args")
	case a.Zone == nil:
		return bad("Zone", nil, "the domain's zone (NewZone)")
	case a.CDN != nil && (a.CDN.DNSName == nil || a.CDN.ZoneID == nil || !strings.HasSuffix(a.StaticName, "."+a.Zone.Domain)):
		return bad("CDN/StaticName", a.StaticName, "an alias target and a name under the zone's domain")
	case (a.Single == nil) == (a.Primary == nil || a.Secondary == nil):
		return bad("Single/Primary/Secondary", "both or neither", "either Single, or Primary and Secondary")
	case a.Single != nil && (a.Single.IP == nil) == (a.Single.DNSName == nil):
		return bad("Single", "IP and DNSName", "exactly one of IP and DNSName")
	case a.Secondary != nil && len(a.Locations) == 0:
		return bad("Locations", a.Locations, "at least one location with two regions")
	}
	for _, t := range []*Target{a.Primary, a.Secondary} {
		if t != nil && (t.DNSName == nil || t.ZoneID == nil) {
			return bad("Primary/Secondary", "no alias", "load balancer aliases (DNSName and ZoneID)")
		}
	}
	for _, l := range a.Locations {
		if (l.Continent == "") == (l.Country == "") {
			return bad("Locations", l, "exactly one of Continent and Country each")
		}
	}
	return nil
}

// New creates the records.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*DNS, error) {
	if err := validate(args); err != nil {
		return nil, err
	}
	d := &DNS{}
	if err := ctx.RegisterComponentResource(shared.Project+":dns:DNS", name, d, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(d)
	var err error
	if args.Single != nil {
		err = d.single(ctx, name, args, child)
	} else {
		err = d.geo(ctx, name, args, child)
	}
	// The distribution answers on IPv6 too, so the name gets an AAAA alias
	// beside the A one (Route 53 Developer Guide, "Routing traffic to an
	// Amazon CloudFront distribution by using your domain name").
	for _, typ := range []string{"A", "AAAA"} {
		if err != nil || args.CDN == nil {
			break
		}
		suffix := "-static"
		if typ == "AAAA" {
			suffix = "-static-ipv6"
		}
		err = d.record(ctx, name+suffix, &route53.RecordArgs{
			ZoneId:  args.Zone.ZoneID,
			Name:    pulumi.String(args.StaticName),
			Type:    pulumi.String(typ),
			Aliases: alias(args.CDN, false),
		}, child)
	}
	if err != nil {
		return nil, err
	}
	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{"zoneId": args.Zone.ZoneID})
}

func (d *DNS) record(ctx *pulumi.Context, name string, args *route53.RecordArgs, opts ...pulumi.ResourceOption) error {
	r, err := route53.NewRecord(ctx, name, args, opts...)
	if err == nil {
		d.Records = append(d.Records, r)
	}
	return err
}

// site is the apex record, in every mode the geolocation record of the
// default location (country "*"), alone while there is one region. Route53
// refuses a simple and a geolocation record set under one name, and Pulumi
// deletes what a phase no longer has only after it has created and updated
// the rest: with a simple record in one region, going to two regions would
// create geolocation records beside it, and going back would turn it simple
// beside them, and Route53 would refuse either. As a geolocation default
// throughout, each step only updates its target (the server, the load
// balancer, the failover pair) in place; geolocation queries cost a little
// more than simple ones. Should it ever be replaced, the old one goes first.
func (d *DNS) site(ctx *pulumi.Context, name string, args *route53.RecordArgs, opts ...pulumi.ResourceOption) (*route53.Record, error) {
	args.SetIdentifier = pulumi.String("default")
	args.GeolocationRoutingPolicies = route53.RecordGeolocationRoutingPolicyArray{route53.RecordGeolocationRoutingPolicyArgs{
		Country: pulumi.String("*"),
	}}
	r, err := route53.NewRecord(ctx, name+"-site", args, append(opts, pulumi.DeleteBeforeReplace(true))...)
	if err == nil {
		d.Records = append(d.Records, r)
	}
	return r, err
}

func (d *DNS) single(ctx *pulumi.Context, name string, args *Args, opt pulumi.ResourceOption) error {
	rec := &route53.RecordArgs{
		ZoneId: args.Zone.ZoneID,
		Name:   pulumi.String(args.Zone.Domain),
		Type:   pulumi.String("A"),
	}
	if args.Single.IP != nil {
		rec.Ttl = pulumi.Int(300)
		rec.Records = pulumi.StringArray{args.Single.IP}
	} else {
		rec.Aliases = alias(args.Single, true)
	}
	_, err := d.site(ctx, name, rec, opt)
	return err
}

func alias(t *Target, evaluate bool) route53.RecordAliasArray {
	return route53.RecordAliasArray{route53.RecordAliasArgs{
		Name:                 t.DNSName,
		ZoneId:               t.ZoneID,
		EvaluateTargetHealth: pulumi.Bool(evaluate),
	}}
}

func (d *DNS) healthCheck(ctx *pulumi.Context, name string, t *Target, tags map[string]string, opt pulumi.ResourceOption) (*route53.HealthCheck, error) {
	kind, port := "HTTP", 80
	if t.HTTPS {
		kind, port = "HTTPS", 443
	}
	hc, err := route53.NewHealthCheck(ctx, name, &route53.HealthCheckArgs{
		Fqdn:             t.DNSName,
		Port:             pulumi.Int(port),
		Type:             pulumi.String(kind),
		ResourcePath:     pulumi.String("/readyz"),
		FailureThreshold: pulumi.Int(3),
		RequestInterval:  pulumi.Int(30),
		Tags:             shared.Tags(tags, name),
	}, opt)
	if err == nil {
		d.HealthChecks = append(d.HealthChecks, hc)
	}
	return hc, err
}

func (d *DNS) geo(ctx *pulumi.Context, name string, args *Args, opt pulumi.ResourceOption) error {
	regions := map[bool]*Target{false: args.Primary, true: args.Secondary}
	role := map[bool]string{false: "primary", true: "secondary"}
	checks := map[bool]*route53.HealthCheck{}
	for _, secondary := range []bool{false, true} {
		hc, err := d.healthCheck(ctx, name+"-"+role[secondary], regions[secondary], args.Tags, opt)
		if err != nil {
			return err
		}
		checks[secondary] = hc
	}
	// failover.<domain>: the primary region while it is healthy, else the secondary.
	failoverName := "failover." + args.Zone.Domain
	var failover []pulumi.Resource
	for _, secondary := range []bool{false, true} {
		r, err := route53.NewRecord(ctx, name+"-failover-"+role[secondary], &route53.RecordArgs{
			ZoneId:        args.Zone.ZoneID,
			Name:          pulumi.String(failoverName),
			Type:          pulumi.String("A"),
			SetIdentifier: pulumi.String(role[secondary]),
			FailoverRoutingPolicies: route53.RecordFailoverRoutingPolicyArray{route53.RecordFailoverRoutingPolicyArgs{
				Type: pulumi.String(strings.ToUpper(role[secondary])),
			}},
			HealthCheckId: checks[secondary].ID(),
			Aliases:       alias(regions[secondary], true),
		}, opt)
		if err != nil {
			return err
		}
		d.Records = append(d.Records, r)
		failover = append(failover, r)
	}
	// The default location (country "*") follows the failover pair. Its
	// alias names them only by text, so the dependency is explicit: Route53
	// refuses an alias to a record set that does not exist yet
	// (InvalidChangeBatch).
	site, err := d.site(ctx, name, &route53.RecordArgs{
		ZoneId: args.Zone.ZoneID,
		Name:   pulumi.String(args.Zone.Domain),
		Type:   pulumi.String("A"),
		Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
			Name:                 pulumi.String(failoverName),
			ZoneId:               args.Zone.ZoneID,
			EvaluateTargetHealth: pulumi.Bool(true),
		}},
	}, opt, pulumi.DependsOn(failover))
	if err != nil {
		return err
	}
	// Each location goes to its region while that region is healthy; when it is
	// not, Route53 skips the record and answers with the default.
	for _, l := range args.Locations {
		code := l.Continent + l.Country
		geo := route53.RecordGeolocationRoutingPolicyArgs{}
		if l.Continent != "" {
			geo.Continent = pulumi.String(l.Continent)
		} else {
			geo.Country = pulumi.String(l.Country)
		}
		r, err := route53.NewRecord(ctx, fmt.Sprintf("%s-geo-%s", name, strings.ToLower(code)), &route53.RecordArgs{
			ZoneId:                     args.Zone.ZoneID,
			Name:                       pulumi.String(args.Zone.Domain),
			Type:                       pulumi.String("A"),
			SetIdentifier:              pulumi.String("geo-" + code),
			GeolocationRoutingPolicies: route53.RecordGeolocationRoutingPolicyArray{geo},
			HealthCheckId:              checks[l.Secondary].ID(),
			Aliases:                    alias(regions[l.Secondary], true),
		}, opt, pulumi.DependsOn([]pulumi.Resource{site}))
		if err != nil {
			return err
		}
		d.Records = append(d.Records, r)
	}
	return nil
}
