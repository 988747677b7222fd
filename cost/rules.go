package cost

import (
	"fmt"
	"math"
	"strings"

	"github.com/scalezero/scalezero/graph"
)

// priced holds how each billable resource type is priced. A type neither
// here nor in free is an error.
var priced = map[string]func(c *charges){
	"aws:ec2/instance:Instance":                         instance,
	"aws:autoscaling/group:Group":                       autoscalingGroup,
	"aws:ec2/eip:Eip":                                   eip,
	"aws:ec2/natGateway:NatGateway":                     natGateway,
	"aws:lb/loadBalancer:LoadBalancer":                  loadBalancer,
	"aws:rds/instance:Instance":                         rdsInstance,
	"aws:elasticache/replicationGroup:ReplicationGroup": replicationGroup,
	"aws:cloudfront/distribution:Distribution":          distribution,
	"aws:s3/bucketV2:BucketV2":                          bucket,
	"aws:s3/bucket:Bucket":                              bucket,
	"aws:sqs/queue:Queue":                               queue,
	"aws:dynamodb/table:Table":                          table,
	"aws:route53/zone:Zone":                             func(c *charges) { c.add(GlobalRegion, "route53", "zone", 1, "1 hosted zone") },
	"aws:route53/healthCheck:HealthCheck":               healthCheck,
	"aws:kms/key:Key":                                   kmsKey,
	"aws:secretsmanager/secret:Secret":                  secret,
	"aws:ecr/repository:Repository":                     repository,
	"aws:cloudwatch/logDelivery:LogDelivery":            logDelivery,
	"aws:cloudwatch/logGroup:LogGroup":                  logGroup,
	"aws:cloudwatch/metricAlarm:MetricAlarm":            metricAlarm,
	"aws:cloudwatch/dashboard:Dashboard":                func(c *charges) { c.add(GlobalRegion, "cloudwatch.dashboards", "dashboard", 1, "1 dashboard") },
}

// freeTypes are types with no charge of their own, with the reason.
var freeTypes = map[string]string{
	"aws:ec2/vpc:Vpc":                                                                            "no charge for a VPC",
	"aws:ec2/subnet:Subnet":                                                                      "no charge for a subnet",
	"aws:ec2/routeTable:RouteTable":                                                              "no charge for a route table",
	"aws:ec2/routeTableAssociation:RouteTableAssociation":                                        "no charge",
	"aws:ec2/route:Route":                                                                        "no charge",
	"aws:ec2/internetGateway:InternetGateway":                                                    "no charge for an internet gateway (data out is not priced here)",
	"aws:ec2/vpcPeeringConnection:VpcPeeringConnection":                                          "no charge for a peering connection (aws.amazon.com/vpc/pricing); inter-region data through it is billed per GB, not priced here",
	"aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter":                          "the accepting side of a peering connection: no charge",
	"aws:ec2/flowLog:FlowLog":                                                                    "no charge of its own: its records are billed as its log group's ingestion",
	"aws:ec2/securityGroup:SecurityGroup":                                                        "no charge for a security group",
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":                                          "no charge for a security group",
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":                                  "no charge",
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":                                    "no charge",
	"aws:ec2/launchTemplate:LaunchTemplate":                                                      "priced on the autoscaling group that launches it",
	"aws:autoscaling/policy:Policy":                                                              "no charge for a scaling policy",
	"aws:lb/listener:Listener":                                                                   "part of the load balancer's hours and LCUs",
	"aws:lb/targetGroup:TargetGroup":                                                             "part of the load balancer's hours and LCUs",
	"aws:rds/parameterGroup:ParameterGroup":                                                      "no charge",
	"aws:rds/subnetGroup:SubnetGroup":                                                            "no charge",
	"aws:elasticache/parameterGroup:ParameterGroup":                                              "no charge",
	"aws:elasticache/subnetGroup:SubnetGroup":                                                    "no charge",
	"aws:cloudfront/cachePolicy:CachePolicy":                                                     "no charge",
	"aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy":                                 "no charge",
	"aws:cloudfront/originAccessControl:OriginAccessControl":                                     "no charge",
	"aws:s3/bucketObjectv2:BucketObjectv2":                                                       "stored in its bucket, priced there (usage s3.storageGB)",
	"aws:s3/bucketPolicy:BucketPolicy":                                                           "bucket configuration",
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     "bucket configuration",
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     "bucket configuration",
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               "bucket configuration (old versions count in s3.storageGB)",
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       "bucket configuration",
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": "bucket configuration (SSE-S3)",
	"aws:sqs/queuePolicy:QueuePolicy":                                                            "no charge",
	"aws:sqs/redriveAllowPolicy:RedriveAllowPolicy":                                              "no charge",
	"aws:route53/record:Record":                                                                  "no charge for a record; DNS queries are not priced here",
	"aws:secretsmanager/secretVersion:SecretVersion":                                             "priced on its secret",
	"aws:ecr/lifecyclePolicy:LifecyclePolicy":                                                    "no charge",
	"aws:acm/certificate:Certificate":                                                            "ACM public certificates are free",
	"aws:acm/certificateValidation:CertificateValidation":                                        "no charge",
	"aws:cloudwatch/logDeliverySource:LogDeliverySource":                                         "no charge; the delivery is priced",
	"aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination":                               "no charge; the delivery is priced",
	"aws:sns/topicSubscription:TopicSubscription":                                                "no charge of its own",
	"aws:sns/topic:Topic":                                                                        "no charge for a topic (aws.amazon.com/sns/pricing); the alarms' publishes and email deliveries are billed per request, not priced here",
}

func freeReason(r *graph.Resource) string {
	switch {
	case strings.HasPrefix(r.Type, "pulumi:providers:"):
		return "provider configuration, not a cloud resource"
	case strings.HasPrefix(r.Type, "docker:"):
		return "runs on the local Docker host (docker target): no AWS charge"
	case strings.HasPrefix(r.Type, "aws:iam/"):
		return "IAM has no charge"
	case r.Type == "aws:ssm/parameter:Parameter":
		if tier, _ := r.Inputs["tier"].(string); tier != "" && tier != "Standard" {
			return "" // advanced parameters are billed: not in the table
		}
		return "standard SSM parameters have no charge"
	}
	return freeTypes[r.Type]
}

func instance(c *charges) {
	typ := c.str(c.r, "instanceType")
	c.add(c.region, "ec2", typ, 1, "1 × "+typ)
	if root, ok := c.r.Inputs["rootBlockDevice"].(map[string]any); ok {
		c.volume(root, 1)
	}
}

// volume charges n EBS volumes described by a block device's settings.
func (c *charges) volume(ebs map[string]any, n float64) {
	size, ok := ebs["volumeSize"].(float64)
	typ, _ := ebs["volumeType"].(string)
	if !ok || typ == "" {
		c.fail("a volume's size or type is not known: %v", ebs)
		return
	}
	c.add(c.region, "ebs", typ, n*size, plural(n, fmt.Sprintf("%g GB %s", size, typ)))
}

// autoscalingGroup counts desiredCapacity instances (minSize when it is not
// set) of its launch template's type, with their volumes.
func autoscalingGroup(c *charges) {
	n, basis := 0.0, "desiredCapacity"
	if v, ok := c.r.Inputs["desiredCapacity"].(float64); ok {
		n = v
	} else if v, ok := c.r.Inputs["minSize"].(float64); ok {
		n, basis = v, "minSize"
	} else {
		c.fail("neither desiredCapacity nor minSize is a known number")
		return
	}
	if _, mixed := c.r.Inputs["mixedInstancesPolicy"]; mixed {
		c.fail("mixedInstancesPolicy is not priced")
		return
	}
	lt := c.dependency("launchTemplate", "aws:ec2/launchTemplate:LaunchTemplate")
	if lt == nil {
		return
	}
	typ := c.str(lt, "instanceType")
	c.add(c.region, "ec2", typ, n, fmt.Sprintf("%g × %s (%s)", n, typ, basis))
	devices, _ := lt.Inputs["blockDeviceMappings"].([]any)
	for _, d := range devices {
		if ebs, ok := d.(map[string]any)["ebs"].(map[string]any); ok {
			c.volume(ebs, n)
		}
	}
}

func eip(c *charges) { c.add(c.region, "publicIPv4", "address", 1, "1 public IPv4 address") }

func natGateway(c *charges) {
	c.add(c.region, "natGateway", "gateway", 1, "1 NAT gateway")
	gb := *c.p.u.NATGateway.DataGB
	c.add(c.region, "natGatewayData", "processed", gb, fmt.Sprintf("%g GB processed", gb))
}

// loadBalancer charges an application load balancer's hours, its LCUs and,
// when it faces the internet, one public IPv4 address per subnet.
func loadBalancer(c *charges) {
	if typ, _ := c.r.Inputs["loadBalancerType"].(string); typ != "" && typ != "application" {
		c.fail("loadBalancerType %s is not priced (application only)", typ)
		return
	}
	c.add(c.region, "alb", "loadBalancer", 1, "1 ALB")
	lcu := *c.p.u.LoadBalancer.LCU
	c.add(c.region, "alb", "lcu", lcu, fmt.Sprintf("%g LCU", lcu))
	if internal, _ := c.r.Inputs["internal"].(bool); internal {
		return
	}
	subnets := float64(len(c.r.PropertyDependencies["subnets"]))
	if known, ok := c.r.Inputs["subnets"].([]any); ok {
		subnets = float64(len(known))
	}
	if subnets == 0 {
		c.fail("the number of its subnets is not known")
		return
	}
	c.add(c.region, "publicIPv4", "address", subnets, plural(subnets, "public IPv4 address (one per zone)"))
}

// rdsInstance charges the class's hours (Multi-AZ when multiAz is set) and
// its storage, which a replica takes from its source; Multi-AZ bills the
// standby's storage too.
func rdsInstance(c *charges) {
	class := c.str(c.r, "instanceClass")
	src := c.r
	if _, replica := c.r.Inputs["replicateSourceDb"]; replica {
		src = c.dependency("replicateSourceDb", "aws:rds/instance:Instance")
		if src == nil {
			return
		}
	}
	if engine, _ := src.Inputs["engine"].(string); engine != "postgres" {
		c.fail("engine %q is not priced (postgres only)", engine)
		return
	}
	multiAZ, _ := c.r.Inputs["multiAz"].(bool)
	deployment, copies := "singleAZ", 1.0
	if multiAZ {
		deployment, copies = "multiAZ", 2
	}
	c.add(c.region, "rds.postgres."+deployment, class, 1, fmt.Sprintf("1 × %s %s", class, deployment))
	size := c.num(src, "allocatedStorage")
	storage, _ := src.Inputs["storageType"].(string)
	if storage == "" {
		c.fail("storageType of %s is not set", src.Name)
		return
	}
	c.add(c.region, "rds.storage", storage, copies*size, plural(copies, fmt.Sprintf("%g GB %s", size, storage)))
}

// replicationGroup prices the nodes by engine: ElastiCache bills Valkey
// nodes at 0.8x Redis OSS ones (group elasticache.valkey).
func replicationGroup(c *charges) {
	typ := c.str(c.r, "nodeType")
	n := c.num(c.r, "numCacheClusters")
	switch engine, _ := c.r.Inputs["engine"].(string); engine {
	case "", "redis": // the provider's default engine is redis
		c.add(c.region, "elasticache", typ, n, plural(n, typ))
	case "valkey":
		c.add(c.region, "elasticache.valkey", typ, n, plural(n, typ)+" Valkey")
	default:
		c.fail("engine %q is not priced (redis and valkey are)", engine)
	}
}

// kmsKey is a key-month, and for a key with rotation on one more for each
// of its first two rotations (AWS bills every retained key material, up to
// the second rotation): averaged over the months of the year priced.
func kmsKey(c *charges) {
	rotates, _ := c.r.Inputs["enableKeyRotation"].(bool)
	if !rotates {
		c.add(c.region, "kms", "key", 1, "1 customer managed key")
		return
	}
	period := 365.0 // the rotation period AWS uses when none is set
	if p, ok := c.r.Inputs["rotationPeriodInDays"].(float64); ok && p > 0 {
		period = p
	}
	year := c.p.u.year()
	months := KeyMonths(period, year)
	c.add(c.region, "kms", "key", months, fmt.Sprintf("1 customer managed key, rotation every %g days: %g key-month(s) in year %d", period, months, year))
}

// KeyMonths is the key-months a rotated key bills in a month of the given
// year, on average: 1 plus its rotations so far, at most 2 (AWS stops
// charging more after the second).
func KeyMonths(period float64, year int) float64 {
	var sum float64
	for m := 0; m < 12; m++ {
		day := float64(year-1)*365 + float64(m)*365/12
		sum += 1 + math.Min(2, math.Floor(day/period))
	}
	return math.Round(sum/12*100) / 100
}

func distribution(c *charges) {
	class, _ := c.r.Inputs["priceClass"].(string)
	if class == "" {
		class = "PriceClass_All"
	}
	gb, req := *c.p.u.CDN.DataOutGB, *c.p.u.CDN.Requests
	c.add(GlobalRegion, "cloudfront.data", class, gb, fmt.Sprintf("%g GB out (%s)", gb, class))
	c.add(GlobalRegion, "cloudfront.requests", class, req, count(req)+" HTTPS requests")
}

func bucket(c *charges) {
	tier := c.p.tierID(c.r)
	gb, ok := c.p.u.S3.StorageGB[tier]
	if !ok {
		c.fail("usage s3.storageGB has no entry for tier %s", tier)
		return
	}
	c.add(c.region, "s3", "standard", gb, fmt.Sprintf("%g GB Standard", gb))
}

func queue(c *charges) {
	if fifo, _ := c.r.Inputs["fifoQueue"].(bool); fifo {
		c.fail("FIFO queues are not priced")
		return
	}
	n := c.p.u.queueRequests(c.r.Name)
	c.add(c.region, "sqs", "standard", n, count(n)+" requests")
}

// table: an on-demand DynamoDB table is billed per request unit and per GB
// stored (with point-in-time recovery, per GB again), in its region and in
// each replica's; every write is billed once more in each replica region as
// a replicated write. Requests are counted where the table is: with the same
// prices in every region (cost/prices.yaml) it does not matter which
// region's hosts make them.
func table(c *charges) {
	if mode := c.str(c.r, "billingMode"); mode != "PAY_PER_REQUEST" {
		if mode != "" {
			c.fail("%s: billing mode %s is not priced (only PAY_PER_REQUEST)", c.r.Name, mode)
		}
		return
	}
	u := c.p.u.DynamoDB
	writes, reads, gb := *u.Writes, *u.Reads, *u.StorageGB
	c.add(c.region, "dynamodb.requests", "write", writes, count(writes)+" write request units")
	c.add(c.region, "dynamodb.requests", "read", reads, count(reads)+" read request units")
	c.tableStorage(c.region, "", gb, pitrOn(c.r.Inputs["pointInTimeRecovery"]))
	replicas, _ := c.r.Inputs["replicas"].([]any)
	for _, raw := range replicas {
		rep, _ := raw.(map[string]any)
		region, _ := rep["regionName"].(string)
		if region == "" || region == unknown {
			c.fail("%s: a replica's region is not known", c.r.Name)
			continue
		}
		c.add(region, "dynamodb.replicatedWrites", "standard", writes, count(writes)+" replicated write request units in "+region)
		on, _ := rep["pointInTimeRecovery"].(bool)
		c.tableStorage(region, " in "+region, gb, on)
	}
}

func pitrOn(v any) bool {
	m, _ := v.(map[string]any)
	on, _ := m["enabled"].(bool)
	return on
}

func (c *charges) tableStorage(region, where string, gb float64, pitr bool) {
	c.add(region, "dynamodb.storage", "standard", gb, fmt.Sprintf("%g GB stored%s", gb, where))
	if pitr {
		c.add(region, "dynamodb.pitr", "standard", gb, fmt.Sprintf("%g GB of point-in-time recovery%s", gb, where))
	}
}

// healthCheck: Route 53 bills a health check by its endpoint (an AWS resource
// of this stack or not) and, on top, each optional feature it uses: HTTPS,
// string matching, the fast (10-second) interval and latency measurement.
// Calculated and CloudWatch-alarm health checks are not priced.
func healthCheck(c *charges) {
	typ := c.str(c.r, "type")
	switch typ {
	case "HTTP", "HTTPS", "TCP", "HTTP_STR_MATCH", "HTTPS_STR_MATCH":
	case "":
		return // c.str failed
	default:
		c.fail("health check type %s is not priced", typ)
		return
	}
	endpoint, what := "nonAWSEndpoint", "non-AWS endpoint"
	if c.fromAWSResource("fqdn", "ipAddress") {
		endpoint, what = "awsEndpoint", "AWS endpoint"
	}
	c.add(GlobalRegion, "route53.healthChecks", endpoint, 1, "1 health check ("+what+")")
	var features []string
	if strings.HasPrefix(typ, "HTTPS") {
		features = append(features, "HTTPS")
	}
	if strings.HasSuffix(typ, "_STR_MATCH") {
		features = append(features, "string matching")
	}
	if interval, ok := c.r.Inputs["requestInterval"].(float64); ok && interval < 30 {
		features = append(features, "fast interval")
	}
	if latency, _ := c.r.Inputs["measureLatency"].(bool); latency {
		features = append(features, "latency measurement")
	}
	if n := float64(len(features)); n > 0 {
		c.add(GlobalRegion, "route53.healthChecks", endpoint+"Feature", n,
			plural(n, "optional feature")+" ("+strings.Join(features, ", ")+")")
	}
}

// fromAWSResource says an input is computed from an AWS resource of the
// graph: for Route 53, an endpoint in AWS and in the account.
func (c *charges) fromAWSResource(keys ...string) bool {
	for _, key := range keys {
		for _, urn := range c.r.PropertyDependencies[key] {
			if d, ok := c.p.byURN[urn]; ok && strings.HasPrefix(d.Type, "aws:") {
				return true
			}
		}
	}
	return false
}

// secret: every replica in another region is billed as a secret there.
func secret(c *charges) {
	c.add(c.region, "secretsmanager", "secret", 1, "1 secret")
	replicas, _ := c.r.Inputs["replicas"].([]any)
	for _, rep := range replicas {
		region, _ := rep.(map[string]any)["region"].(string)
		if region == "" {
			c.fail("a replica's region is not known")
			continue
		}
		c.add(region, "secretsmanager", "secret", 1, "1 replica in "+region)
	}
}

func repository(c *charges) {
	gb := *c.p.u.ECR.StorageGB
	c.add(c.region, "ecr", "storage", gb, fmt.Sprintf("%g GB of images", gb))
}

// logDelivery: CloudFront standard logs (v2) reach S3 as CloudWatch vended
// logs, billed per GB delivered.
func logDelivery(c *charges) {
	gb := *c.p.u.Logs.IngestedGB
	c.add(c.region, "cloudwatch.vendedLogs", "deliveredToS3", gb, fmt.Sprintf("%g GB delivered", gb))
}

// logGroup: what a log group ingests and stores. A web log group (the
// observability tier's "<name>-web") also holds the app's request lines, as
// many as the sampling rate lets through (logs.requestSampleRate).
func logGroup(c *charges) {
	u := c.p.u
	gb := *u.Logs.IngestedGB
	ingested := fmt.Sprintf("%g GB ingested", gb)
	if strings.HasSuffix(c.r.Name, "-web") {
		lines := u.requestLogGB()
		ingested = fmt.Sprintf("%.3g GB ingested (%g GB + request lines: %g%% of %s requests × %g B, %.3g GB)",
			gb+lines, gb, 100**u.Logs.RequestSampleRate, count(*u.Logs.WebRequests), *u.Logs.RequestLineBytes, lines)
		gb += lines
	}
	c.add(c.region, "cloudwatch.logs", "ingested", gb, ingested)
	c.add(c.region, "cloudwatch.logs", "stored", gb, fmt.Sprintf("%.3g GB stored", gb))
}

// metricAlarm: one alarm-month per alarm, high resolution under 60 s.
func metricAlarm(c *charges) {
	item := "standard"
	if period, ok := c.r.Inputs["period"].(float64); ok && period < 60 {
		item = "highResolution"
	}
	c.add(c.region, "cloudwatch.alarms", item, 1, "1 "+item+" alarm")
}
