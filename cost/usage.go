package cost

import "fmt"

// Usage is a month of traffic: the quantities behind every usage-based
// charge (cost/usage.yaml documents each). Every field is required, so a
// usage file that leaves one out is an error, not a zero.
type Usage struct {
	LoadBalancer struct {
		LCU *float64 `yaml:"lcu"`
	} `yaml:"loadBalancer"`
	NATGateway struct {
		DataGB *float64 `yaml:"dataGB"`
	} `yaml:"natGateway"`
	CDN struct {
		DataOutGB *float64 `yaml:"dataOutGB"`
		Requests  *float64 `yaml:"requests"`
	} `yaml:"cdn"`
	S3 struct {
		StorageGB map[string]float64 `yaml:"storageGB"` // by tier
	} `yaml:"s3"`
	SQS struct {
		Requests map[string]float64 `yaml:"requests"` // by queue name, or "default"
	} `yaml:"sqs"`
	ECR struct {
		StorageGB *float64 `yaml:"storageGB"`
	} `yaml:"ecr"`
	Logs struct {
		IngestedGB        *float64 `yaml:"ingestedGB"`
		WebRequests       *float64 `yaml:"webRequests"`
		RequestLineBytes  *float64 `yaml:"requestLineBytes"`
		RequestSampleRate *float64 `yaml:"requestSampleRate"`
	} `yaml:"logs"`
	DynamoDB struct {
		Writes    *float64 `yaml:"writes"`
		Reads     *float64 `yaml:"reads"`
		StorageGB *float64 `yaml:"storageGB"`
	} `yaml:"dynamodb"`
	// Year is which year of the stack's life the figures are for (1 when
	// 0): a rotated KMS key costs more from its second year. Set by
	// cmd/cost -year, not read from the file.
	Year int `yaml:"-"`
}

// year is the year priced, 1 by default.
func (u *Usage) year() int {
	if u.Year < 1 {
		return 1
	}
	return u.Year
}

// DefaultUsage is the usage file kept in the repo (cost/usage.yaml).
func DefaultUsage() (*Usage, error) { return ParseUsage(defaultUsage) }

// LoadUsage reads a usage file; "" is the default one.
func LoadUsage(path string) (*Usage, error) { return load(path, defaultUsage, ParseUsage) }

// ParseUsage decodes a usage file and checks that every quantity is there
// and none is negative.
func ParseUsage(raw []byte) (*Usage, error) {
	var u Usage
	if err := decodeStrict(raw, &u); err != nil {
		return nil, fmt.Errorf("usage: %w", err)
	}
	for key, v := range map[string]*float64{
		"loadBalancer.lcu":       u.LoadBalancer.LCU,
		"natGateway.dataGB":      u.NATGateway.DataGB,
		"cdn.dataOutGB":          u.CDN.DataOutGB,
		"cdn.requests":           u.CDN.Requests,
		"ecr.storageGB":          u.ECR.StorageGB,
		"logs.ingestedGB":        u.Logs.IngestedGB,
		"logs.webRequests":       u.Logs.WebRequests,
		"logs.requestLineBytes":  u.Logs.RequestLineBytes,
		"logs.requestSampleRate": u.Logs.RequestSampleRate,
		"dynamodb.writes":        u.DynamoDB.Writes,
		"dynamodb.reads":         u.DynamoDB.Reads,
		"dynamodb.storageGB":     u.DynamoDB.StorageGB,
	} {
		if v == nil {
			return nil, fmt.Errorf("usage: %s is missing", key)
		}
		if *v < 0 {
			return nil, fmt.Errorf("usage: %s is negative", key)
		}
	}
	if *u.Logs.RequestSampleRate > 1 {
		return nil, fmt.Errorf("usage: logs.requestSampleRate is %g: allowed a fraction from 0 to 1", *u.Logs.RequestSampleRate)
	}
	if _, ok := u.SQS.Requests["default"]; !ok {
		return nil, fmt.Errorf("usage: sqs.requests.default is missing")
	}
	for key, m := range map[string]map[string]float64{"s3.storageGB": u.S3.StorageGB, "sqs.requests": u.SQS.Requests} {
		for k, v := range m {
			if v < 0 {
				return nil, fmt.Errorf("usage: %s.%s is negative", key, k)
			}
		}
	}
	return &u, nil
}

// queueRequests is a queue's requests per month: its own entry, else the default.
func (u *Usage) queueRequests(name string) float64 {
	if v, ok := u.SQS.Requests[name]; ok {
		return v
	}
	return u.SQS.Requests["default"]
}

// requestLogGB is what one web log group ingests of request lines a month.
func (u *Usage) requestLogGB() float64 {
	return *u.Logs.WebRequests * *u.Logs.RequestSampleRate * *u.Logs.RequestLineBytes / 1e9
}
