package certificate_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/certificate"
	"github.com/scalezero/scalezero/graph/record"
)

func program(validatedBy pulumi.StringInput) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		_, err := certificate.New(ctx, "cert", &certificate.Args{Domain: "shop.example.com", ZoneID: pulumi.String("Z1"), ValidatedBy: validatedBy})
		return err
	}
}

// The certificate is validated by DNS: its record goes in the zone, and the
// validation waits for that record (or for the one another region made).
func TestDNSValidation(t *testing.T) {
	g := record.Known(t, program(nil))
	cert, _ := g.Named("aws:acm/certificate:Certificate", "cert")
	if cert.Str("domainName") != "shop.example.com" || cert.Str("validationMethod") != "DNS" {
		t.Errorf("certificate %v", cert.Inputs)
	}
	rec, ok := g.Named("aws:route53/record:Record", "cert-validation")
	if !ok || rec.Str("zoneId") != "Z1" || !rec.DependsOn("name", cert.URN) || !rec.DependsOn("records", cert.URN) {
		t.Fatalf("validation record %+v", rec)
	}
	v, _ := g.Named("aws:acm/certificateValidation:CertificateValidation", "cert")
	if !v.DependsOn("validationRecordFqdns", rec.URN) || !v.DependsOn("certificateArn", cert.URN) {
		t.Error("the validation does not wait for its record")
	}

	shared := record.Known(t, program(pulumi.String("_x.shop.example.com")))
	if n := len(shared.OfType("aws:route53/record:Record")); n != 0 {
		t.Errorf("%d records beside the one given: ACM has one validation record per name", n)
	}
	v, _ = shared.Named("aws:acm/certificateValidation:CertificateValidation", "cert")
	if fq, _ := v.Get("validationRecordFqdns").([]any); len(fq) != 1 || fq[0] != "_x.shop.example.com" {
		t.Errorf("validation waits for %v", v.Get("validationRecordFqdns"))
	}
}

// ACM may answer with no validation option yet: an error naming the
// certificate, never a panic on the empty list.
func TestNoValidationOption(t *testing.T) {
	_, err := record.KnownErr(program(nil), record.Outputs(func(typ string, out resource.PropertyMap) {
		if typ == "aws:acm/certificate:Certificate" {
			out["domainValidationOptions"] = resource.NewArrayProperty(nil)
		}
	}))
	if err == nil || !strings.Contains(err.Error(), "certificate cert: ACM returned no DNS validation record") {
		t.Fatalf("want an error naming the certificate, got %v", err)
	}
}

// A certificate validated through a record in the zone.
func ExampleNew() {
	record.PrintCensus(program(nil))
	// Output:
	// aws:acm/certificate:Certificate 1
	// aws:acm/certificateValidation:CertificateValidation 1
	// aws:route53/record:Record 1
}
