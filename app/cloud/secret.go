package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"golang.org/x/sync/singleflight"
)

// Secret reads database credentials from a Secrets Manager secret shaped
// like RDS's ({"username", "password", "host", "port", "dbname", "engine"}).
// Pools ask at every new connection (postgres.Credentials); a read is
// reused for the cache time, and read again at once when the database
// refuses it (a rotation changed the password), at most once a second so a
// refusing database cannot turn every request into a Secrets Manager call.
type Secret struct {
	client *secretsmanager.Client
	arn    string
	cache  time.Duration
	group  singleflight.Group

	mu       sync.Mutex
	user     string
	password string
	read     time.Time // zero: nothing read yet, or forced stale by Refresh
	last     time.Time // the last read, for Refresh's rate limit
}

// minRereadGap bounds how often Refresh forces a read.
const minRereadGap = 100 * time.Millisecond

// NewSecret reads the secret arn with cfg (its region must be the secret's;
// see config.SecretRegion), reusing a read for cache.
func NewSecret(cfg aws.Config, arn string, cache time.Duration) *Secret {
	return &Secret{client: secretsmanager.NewFromConfig(cfg), arn: arn, cache: cache}
}

// ARN names the secret.
func (s *Secret) ARN() string { return s.arn }

// Get returns the user and password, read again once the cache has expired.
func (s *Secret) Get(ctx context.Context) (string, string, error) {
	s.mu.Lock()
	if !s.read.IsZero() && time.Since(s.read) < s.cache {
		defer s.mu.Unlock()
		return s.user, s.password, nil
	}
	s.mu.Unlock()
	// Connections opening together share one read.
	_, err, _ := s.group.Do("read", func() (any, error) {
		return nil, s.fetch(context.WithoutCancel(ctx))
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		return "", "", err
	}
	return s.user, s.password, nil
}

// Refresh makes the next Get read the secret again (unless it was read
// less than minRereadGap ago).
func (s *Secret) Refresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.last) >= minRereadGap {
		s.read = time.Time{}
	}
}

func (s *Secret) fetch(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &s.arn})
	if err != nil {
		return unavailable("secretsmanager get "+s.arn, err)
	}
	var v struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if out.SecretString == nil {
		return fmt.Errorf("secret %s: no SecretString", s.arn)
	}
	if err := json.Unmarshal([]byte(*out.SecretString), &v); err != nil || v.Username == "" || v.Password == "" {
		return fmt.Errorf("secret %s: %w", s.arn, errors.Join(errors.New(`want JSON with "username" and "password"`), err))
	}
	now := time.Now()
	s.mu.Lock()
	s.user, s.password, s.read, s.last = v.Username, v.Password, now, now
	s.mu.Unlock()
	return nil
}
