package scalezero

import rego.v1

# AWS Certificate Manager: certificates, their validation, and who waits for it.

certificate := "aws:acm/certificate:Certificate"

certificate_validation := "aws:acm/certificateValidation:CertificateValidation"

# The stack's certificate behind a certificate ARN property: directly, or
# through the validation that waits for it.
cert_of(r, prop) := c if {
	some u in deps(r, prop)
	c := by_urn(u)
	is_type(c, certificate)
}

cert_of(r, prop) := c if {
	some u in deps(r, prop)
	v := by_urn(u)
	is_type(v, certificate_validation)
	some cu in deps(v, "certificateArn")
	c := by_urn(cu)
	is_type(c, certificate)
}

# Whether r waits for a validation of certificate c.
waits_for_validation(r, c) if {
	some v in referrers(c, certificate_validation, "certificateArn")
	depends_transitively(r, v.__urn)
}

# METADATA
# title: ACM certificate names ACM accepts
# description: A certificate's first domain name is at most 64 characters; a wildcard (*) stands only as the leftmost label; validation is DNS or EMAIL.
# custom:
#   kind: preflight
#   types: [aws:acm/certificate:Certificate]
#   doc: 'AWS Certificate Manager API Reference, "RequestCertificate" (DomainName, SubjectAlternativeNames, ValidationMethod) (https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html)'
#   message: Use a first domain name of 64 characters or fewer, wildcards only as *.name, and validationMethod DNS.
deny_acm_certificate contains msg if {
	input.__type == certificate
	d := str(input, "domainName")
	count(d) > 64
	msg := sprintf("certificate '%s' names %s (%d characters); ACM allows 64 for the first domain name", [input.__name, d, count(d)])
}

deny_acm_certificate contains msg if {
	input.__type == certificate
	names := array.concat([d | d := str(input, "domainName")], [s | some s in object.get(input, "subjectAlternativeNames", []); known(s)])
	some n in names
	contains(n, "*")
	not regex.match(`^\*\.[^*]+$`, n)
	msg := sprintf("certificate '%s' names %s; a wildcard stands only as the leftmost label (*.example.org)", [input.__name, n])
}

deny_acm_certificate contains msg if {
	input.__type == certificate
	m := str(input, "validationMethod")
	not m in {"DNS", "EMAIL"}
	msg := sprintf("certificate '%s' validates by %s; ACM takes DNS or EMAIL", [input.__name, m])
}

# METADATA
# title: DNS validation waits for its records
# description: A DNS-validated certificate is issued once ACM finds its CNAME validation records (the same record for every certificate of a domain name in the account); the CertificateValidation that waits for issuance must be created after a record for its domain (or it waits until its timeout).
# custom:
#   kind: preflight
#   types: [aws:acm/certificateValidation:CertificateValidation, aws:acm/certificate:Certificate, aws:route53/record:Record]
#   doc: 'AWS Certificate Manager User Guide, "AWS Certificate Manager DNS validation" (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html); Pulumi AWS provider, "aws.acm.CertificateValidation" (validationRecordFqdns) (https://www.pulumi.com/registry/packages/aws/api-docs/acm/certificatevalidation/)'
#   message: Create the validation records from the certificate's domainValidationOptions and pass their fqdns as validationRecordFqdns.
stack_deny_validation_before_records contains msg if {
	some v in resources_of(certificate_validation)
	some u in deps(v, "certificateArn")
	c := by_urn(u)
	is_type(c, certificate)
	object.get(c, "validationMethod", "DNS") == "DNS"
	not waits_for_validation_records(v, c)
	msg := sprintf("certificate validation '%s' does not wait for any Route 53 validation record of certificate '%s'", [v.__name, c.__name])
}

# A validation record made from c, or from another certificate of the same
# domain name: ACM gives a domain name the same validation record for every
# certificate of the account, so one record serves them all.
waits_for_validation_records(v, c) if {
	some r in resources_of(record)
	some other in resources_of(certificate)
	same_domain(other, c)
	depends_transitively(r, other.__urn)
	depends_transitively(v, r.__urn)
}

same_domain(a, b) if a.__urn == b.__urn

same_domain(a, b) if {
	a.__urn != b.__urn
	str(a, "domainName") == str(b, "domainName")
}
