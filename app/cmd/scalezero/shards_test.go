package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/app/internal/testenv"
)

// shardEnv is phase 9's settings: a main database and two shards.
func shardEnv(t *testing.T) []string {
	main, _ := testenv.Database(t)
	s0, _ := testenv.Database(t)
	s1, _ := testenv.Database(t)
	return []string{
		"SCALEZERO_DATABASE_URL=" + main,
		fmt.Sprintf(`SCALEZERO_DATABASE_SHARDS=[{"id":0,"writer":%q},{"id":1,"writer":%q}]`, s0, s1),
		"SCALEZERO_DRAIN_DELAY=300ms",
		"SCALEZERO_LOG_LEVEL=warn",
	}
}

func moveUser(t *testing.T, env []string, args ...string) (string, error) {
	cmd := exec.Command(build(t), append([]string{"move-user"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestMoveUserMovesAUserBetweenShardsWhileTheSiteServesIt(t *testing.T) {
	env := shardEnv(t)
	web := start(t, env...)
	code, body, cookies := call(t, "POST", web.url+"/api/signup", `{"email":"ada@example.com","password":"correct horse 1","display_name":"Ada"}`, "")
	if code != 201 {
		t.Fatalf("signup: %d %s", code, body)
	}
	var u struct{ ID int64 }
	json.Unmarshal([]byte(body), &u)
	home, other := int(u.ID%2), int(1-u.ID%2)

	out, err := moveUser(t, env, "--user-id", fmt.Sprint(u.ID), "--to-shard", fmt.Sprint(other))
	if err != nil {
		t.Fatalf("move-user: %v\n%s", err, out)
	}
	var moved struct {
		UserID   int64 `json:"user_id"`
		From, To int
	}
	if err := json.Unmarshal([]byte(out), &moved); err != nil || moved.UserID != u.ID || moved.From != home || moved.To != other {
		t.Fatalf("move-user printed %q (%v)", out, err)
	}
	// The running site finds the user in its new home.
	if code, body, _ := call(t, "GET", web.url+"/api/me", "", sessionCookie(t, cookies)); code != 200 || !strings.Contains(body, "ada@example.com") {
		t.Fatalf("who am I after the move: %d %s", code, body)
	}
	if code, body, _ := call(t, "POST", web.url+"/api/login", `{"email":"ada@example.com","password":"correct horse 1"}`, ""); code != 200 {
		t.Fatalf("login after the move: %d %s", code, body)
	}

	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--user-id", fmt.Sprint(u.ID), "--to-shard", "2"}, "allowed 0 to 1"},
		{[]string{"--to-shard", "0"}, "--user-id 0: allowed a user id"},
	} {
		if out, err := moveUser(t, env, c.args...); err == nil || !strings.Contains(out, c.says) {
			t.Errorf("move-user %v: %v %s, want an error saying %q", c.args, err, out, c.says)
		}
	}
	if out, err := moveUser(t, env[:1], "--user-id", "1", "--to-shard", "0"); err == nil || !strings.Contains(out, "SCALEZERO_DATABASE_SHARDS") {
		t.Errorf("move-user without shards: %v %s", err, out)
	}
}
