package testenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDBEndpoint is the DynamoDB emulator (dynalite) that
// scripts/test-services.sh runs.
var DynamoDBEndpoint = env("SCALEZERO_TEST_DYNAMODB_ENDPOINT", "http://127.0.0.1:4567")

// SessionTable creates, on the emulator, a table shaped like
// components/sessions' under a unique name, and deletes it when the test ends.
func SessionTable(t testing.TB) (cfg aws.Config, table string) {
	t.Helper()
	table = fmt.Sprintf("sz-sessions-%d-%d", time.Now().UnixNano()%1e12, os.Getpid())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	remove, err := CreateSessionTable(ctx, DynamoDBEndpoint, table)
	if err != nil {
		t.Fatalf("%v; %s", err, startHint)
	}
	t.Cleanup(remove)
	return AWSConfig(t, DynamoDBEndpoint), table
}

// CreateSessionTable makes, on the emulator at endpoint, a table shaped like
// components/sessions' (a string partition key "pk", on-demand) and waits
// until it is active; remove deletes it. The tests and make faults share it.
func CreateSessionTable(ctx context.Context, endpoint, table string) (remove func(), err error) {
	u, _ := url.Parse(endpoint)
	if c, err := net.DialTimeout("tcp", u.Host, 2*time.Second); err != nil {
		return nil, fmt.Errorf("DynamoDB emulator at %s: %w", endpoint, err)
	} else {
		c.Close()
	}
	cfg, err := EmulatorConfig(endpoint)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(cfg)
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            &table,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		return nil, fmt.Errorf("create table %s: %w", table, err)
	}
	remove = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &table})
	}
	for { // the emulator, like DynamoDB, creates a table in the background
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
		if err != nil {
			remove()
			return nil, fmt.Errorf("describe table %s: %w", table, err)
		}
		if out.Table.TableStatus == types.TableStatusActive {
			return remove, nil
		}
		select {
		case <-ctx.Done():
			remove()
			return nil, fmt.Errorf("table %s: not active: %w", table, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// credentialScope finds the region in a SigV4 Authorization header:
// Credential=<key>/<date>/<region>/<service>/aws4_request.
var credentialScope = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request`)

// RegionalDynamoDB stands in for one region's DynamoDB endpoint (one
// replica of a global table): it passes to the emulator only calls signed
// for its region and refuses the rest as AWS does, with 400
// InvalidSignatureException. calls counts what it passed on.
func RegionalDynamoDB(t testing.TB, region string) (endpoint string, calls func() int) {
	t.Helper()
	target, _ := url.Parse(DynamoDBEndpoint)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization"))
		if m == nil || m[1] != region || m[2] != "dynamodb" {
			scope := "none"
			if m != nil {
				scope = m[1] + "/" + m[2]
			}
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"Credential should be scoped to %s/dynamodb, not %s"}`, region, scope)
			return
		}
		n.Add(1)
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() int { return int(n.Load()) }
}
