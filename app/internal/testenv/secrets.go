package testenv

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// SecretsManager stands in for AWS Secrets Manager's GetSecretValue, over
// HTTP in the service's JSON protocol (X-Amz-Target:
// secretsmanager.GetSecretValue, application/x-amz-json-1.1), so the real
// SDK client makes the real calls. No emulator here serves Secrets Manager
// (fauxqs does SQS and S3). It counts the reads.
type SecretsManager struct {
	URL     string
	mu      sync.Mutex
	secrets map[string]string
	reads   int
}

// StartSecretsManager serves until the test ends.
func StartSecretsManager(t testing.TB) *SecretsManager {
	t.Helper()
	sm := &SecretsManager{secrets: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(sm.serve))
	t.Cleanup(srv.Close)
	sm.URL = srv.URL
	return sm
}

// Put sets a secret's value, as a rotation does.
func (sm *SecretsManager) Put(arn, value string) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	sm.secrets[arn] = value
}

// Reads counts GetSecretValue calls answered.
func (sm *SecretsManager) Reads() int {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	return sm.reads
}

func (sm *SecretsManager) serve(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, kind, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-ErrorType", kind)
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"__type": kind, "message": msg})
	}
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
		fail(400, "InvalidRequestException", fmt.Sprintf("only GetSecretValue is served, not %s %q", r.Method, r.Header.Get("X-Amz-Target")))
		return
	}
	if r.Header.Get("Authorization") == "" {
		fail(400, "MissingAuthenticationTokenException", "unsigned request")
		return
	}
	var in struct{ SecretId string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(400, "InvalidRequestException", err.Error())
		return
	}
	sm.mu.Lock()
	value, ok := sm.secrets[in.SecretId]
	if ok {
		sm.reads++
	}
	sm.mu.Unlock()
	if !ok {
		fail(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(map[string]any{
		"ARN": in.SecretId, "Name": "db", "SecretString": value, "VersionId": "v1", "VersionStages": []string{"AWSCURRENT"},
	})
}
