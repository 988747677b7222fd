package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/app/assets"
	"github.com/scalezero/scalezero/components/cdn"
	"github.com/scalezero/scalezero/components/certificate"
	"github.com/scalezero/scalezero/components/dns"
	"github.com/scalezero/scalezero/components/logs"
)

// The aws target: what faces users: the zone, certificates, the CDN and DNS records.

// staticName is the CDN's name under the domain (with HTTPS).
func (b *builder) staticName() string { return "static." + b.s.Domain }

func (b *builder) buildZone() error {
	if b.s.Domain == "" {
		return nil
	}
	var err error
	b.zone, err = dns.NewZone(b.ctx, "zone", &dns.ZoneArgs{Domain: b.s.Domain, ZoneID: b.s.HostedZoneID, Tags: b.tags}, b.primary().opts())
	if err == nil {
		b.out.NameServers = b.zone.NameServers
	}
	return err
}

// buildCertificates requests each region's load balancer certificate and
// the CDN's, validated in the zone. Nothing but the listeners and the
// distribution waits for them.
func (b *builder) buildCertificates() error {
	if !b.p.HTTPS {
		return nil
	}
	var validated pulumi.StringInput // the domain's record, made with the first certificate
	for _, r := range b.regions {
		var err error
		r.cert, err = certificate.New(b.ctx, r.named("cert"), &certificate.Args{
			Domain: b.s.Domain, ZoneID: b.zone.ZoneID, ValidatedBy: validated, Tags: b.tags,
		}, r.opts())
		if err != nil {
			return err
		}
		validated = r.cert.RecordFQDN
	}
	if !b.p.CDN {
		return nil
	}
	var err error
	b.cdnCert, err = certificate.New(b.ctx, "cdn-cert", &certificate.Args{
		Domain: b.staticName(), ZoneID: b.zone.ZoneID, Tags: b.tags,
	}, b.edgeOpts())
	return err
}

func (b *builder) buildCDN() error {
	if !b.p.CDN {
		return nil
	}
	files, err := assets.All()
	if err != nil {
		return fmt.Errorf("read app assets: %w", err)
	}
	objects := make([]cdn.Object, len(files))
	for i, f := range files {
		objects[i] = cdn.Object{Key: f.Key(), ContentType: f.ContentType, Body: string(f.Body), CacheControl: assets.CacheControl}
	}
	prim := b.primary()
	args := &cdn.Args{
		// The dynamic origin: with HTTPS, the domain (a name on the load
		// balancers' certificates; with two regions it is geo-routed, so
		// each edge reaches the nearest healthy region); else the primary
		// load balancer. HTTPS means the zone is delegated: before that,
		// the domain does not resolve for CloudFront, so a second region
		// alone does not make the domain the origin.
		OriginDomain: prim.web.DNSName,
		PriceClass:   b.s.CDNPriceClass,
		MinTTL:       b.s.CDNMinTTL,
		DefaultTTL:   b.s.CDNDefaultTTL,
		MaxTTL:       b.s.CDNMaxTTL,
		Objects:      objects,
		LogBucketARN: prim.logs.ARN,
		LogPrefix:    logs.CDNPrefix,
		// The delivery waits for the bucket's policy.
		LogBucketPolicy: prim.logs.Policy,
		Tags:            b.tags,
	}
	if b.p.HTTPS {
		args.OriginDomain = pulumi.String(b.s.Domain).ToStringOutput()
		args.OriginHTTPS = true
		args.Alias, args.CertificateARN = b.staticName(), b.cdnCert.ARN
	}
	if b.cdn, err = cdn.New(b.ctx, "cdn", args, b.edgeOpts()); err != nil {
		return err
	}
	b.out.CDNURL = b.cdn.BaseURL
	return nil
}

func (b *builder) target(r *region) *dns.Target {
	return &dns.Target{DNSName: r.web.DNSName, ZoneID: r.web.ZoneID, HTTPS: r.cert != nil}
}

func (b *builder) buildDNS() error {
	if b.zone == nil {
		return nil
	}
	args := &dns.Args{Zone: b.zone, Tags: b.tags}
	switch {
	case b.p.MultiRegion:
		args.Primary, args.Secondary = b.target(b.regions[0]), b.target(b.regions[1])
		for _, g := range b.s.GeoLocations {
			args.Locations = append(args.Locations, dns.Location{Continent: g.Continent, Country: g.Country, Secondary: g.Secondary})
		}
	case b.p.SingleServer:
		args.Single = &dns.Target{IP: b.out.ServerIP}
	default:
		args.Single = b.target(b.primary())
	}
	if b.p.HTTPS && b.cdn != nil {
		args.CDN = &dns.Target{DNSName: b.cdn.DNSName, ZoneID: b.cdn.ZoneID}
		args.StaticName = b.staticName()
	}
	var err error
	if b.dns, err = dns.New(b.ctx, "dns", args, b.primary().opts()); err != nil {
		return err
	}
	for i, hc := range b.dns.HealthChecks {
		if err := b.keep(healthCheckKey(b.regions[i]), hc.ID().ToStringOutput()); err != nil {
			return err
		}
	}
	scheme := "http://"
	if b.p.HTTPS {
		scheme = "https://"
	}
	b.out.URL = pulumi.String(scheme + b.s.Domain).ToStringOutput()
	return nil
}
