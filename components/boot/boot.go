// Package boot renders the user data of the app's hosts. The script is static
// for a given role and parameter path: endpoints, the image reference and
// which tiers exist are read from SSM Parameter Store, so the user data is
// known at preview time, reviewable in a diff, and the same in every phase.
//
// It installs /usr/local/bin/scalezero-apply, which reads the parameters
// under the path and (re)starts the app container when they differ from what
// it runs, and runs it once. Fleets run it only at boot: a change in their
// settings rolls them (the settings digest in their launch template). The
// single server cannot roll (in phase 1 its database lives on it), so with
// Refresh a systemd timer runs it every minute: a setting changed by
// `pulumi up` reaches it within about a minute, at the cost of a restart of
// a few seconds.
package boot

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"text/template"

	"github.com/scalezero/scalezero/appsettings"
)

// Options describe one host.
type Options struct {
	Role      string // "web" or "worker": the app subcommand to run
	Region    string // where the parameters live
	ParamPath string // e.g. /scalezero/dev/ ; each parameter's basename is an env var
	// ServePort80 sends port 80 to the app's 8080: a host without a load
	// balancer in front (the single server) is reached on 80, and the app
	// runs as a non-root user that cannot bind it.
	ServePort80 bool
	// Refresh re-applies the settings every minute (the single server).
	Refresh bool
	// LogGroup sends the app container's output to this CloudWatch Logs
	// group (the awslogs driver); empty keeps Docker's local log.
	LogGroup string
	// PeeredCIDRs are blocks reached through an inter-region VPC peering
	// (the primary region, from the second one). Such a peering carries
	// smaller packets than the 9001-byte frames the hosts use inside their
	// VPC (8500 bytes in the EC2 User Guide's "Network maximum transmission
	// unit (MTU) for your EC2 instance", 1500 in its earlier versions), and
	// a dropped oversized packet stalls a connection instead of failing it,
	// so routes to these blocks get a 1500-byte MTU, which holds under
	// either, at every boot: the hosts then also announce a TCP segment
	// size that keeps the other side's replies within it.
	PeeredCIDRs []string
}

// LocalDataKey is the parameter that puts PostgreSQL and Redis on the host
// itself (phase 1's single server); the app's database password is then
// made here and never leaves the host.
var LocalDataKey = appsettings.Env(appsettings.LocalData)

// The parameters the apply script reads itself: the image to run, and the
// password it writes for a local database.
var (
	imageKey    = appsettings.Env(appsettings.Image)
	passwordKey = appsettings.Env(appsettings.DatabasePassword)
)

var (
	pathPattern     = regexp.MustCompile(`^/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*/$`)
	logGroupPattern = regexp.MustCompile(`^[A-Za-z0-9_./#-]{1,512}$`)
)

// Validate reports the first invalid option by name.
func (o Options) Validate() error {
	switch {
	case o.Role != "web" && o.Role != "worker":
		return fmt.Errorf("boot: Role = %q is invalid: allowed web or worker", o.Role)
	case o.Region == "":
		return fmt.Errorf("boot: Region is empty: allowed an AWS region name")
	case !pathPattern.MatchString(o.ParamPath):
		return fmt.Errorf("boot: ParamPath = %q is invalid: allowed an absolute SSM path ending in /", o.ParamPath)
	case o.LogGroup != "" && !logGroupPattern.MatchString(o.LogGroup):
		return fmt.Errorf("boot: LogGroup = %q is invalid: allowed a CloudWatch Logs group name", o.LogGroup)
	}
	for _, c := range o.PeeredCIDRs {
		if p, err := netip.ParsePrefix(c); err != nil || !p.Addr().Is4() || p.Masked() != p {
			return fmt.Errorf("boot: PeeredCIDRs has %q: allowed IPv4 blocks such as 10.0.0.0/16", c)
		}
	}
	return nil
}

var apply = template.Must(template.New("apply").Parse(`#!/bin/bash
# scalezero-apply (rendered by components/boot): reads the app's settings
# from SSM and (re)starts the app container when they changed or it is not
# running. Safe to run at any time.
set -euo pipefail
REGION={{.Region}}
PARAM_PATH={{.ParamPath}}
ETC=${SCALEZERO_ETC:-/etc/scalezero} # another directory only in tests
ENV_FILE=$ETC/app.env
LOCAL_ENV=$ETC/local.env

# Phase 1: PostgreSQL and Redis on this host, set up once; the database
# password is made here and kept in LOCAL_ENV.
local_data() {
  if [ -f "$LOCAL_ENV" ]; then return 0; fi
  dnf install -y postgresql15-server redis6
  postgresql-setup --initdb
  sed -i 's/^host\(.*\)ident$/host\1scram-sha-256/' /var/lib/pgsql/data/pg_hba.conf
  systemctl enable --now postgresql redis6
  local password
  password=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
  sudo -u postgres psql -v ON_ERROR_STOP=1 -c "CREATE ROLE app LOGIN PASSWORD '${password}'" -c "CREATE DATABASE app OWNER app"
  install -m 0600 /dev/null "$LOCAL_ENV"
  printf '{{.PasswordKey}}=%s\n' "$password" > "$LOCAL_ENV"
}

install -d -m 0750 "$ETC"
# One run at a time: the boot's run (retried) and the timer's can overlap.
exec 9>"$ETC/apply.lock"
flock 9
NEW=$(mktemp "$ETC/app.env.XXXXXX")
trap 'rm -f "$NEW"' EXIT
aws ssm get-parameters-by-path --region "$REGION" --path "$PARAM_PATH" --with-decryption \
  --query 'Parameters[].[Name,Value]' --output text |
  while IFS=$'\t' read -r name value; do printf '%s=%s\n' "${name##*/}" "$value"; done | sort > "$NEW"
if ! grep -q '^{{.ImageKey}}=' "$NEW"; then
  echo "scalezero-apply: no {{.ImageKey}} under $PARAM_PATH yet" >&2
  exit 1
fi
if grep -qx '{{.LocalDataKey}}=true' "$NEW"; then
  local_data
  cat "$LOCAL_ENV" >> "$NEW"
fi
if cmp -s "$NEW" "$ENV_FILE" && [ -n "$(docker ps -q --filter name=^app$ --filter status=running)" ]; then
  exit 0
fi
chmod 0640 "$NEW"
mv "$NEW" "$ENV_FILE"

IMAGE=$(grep '^{{.ImageKey}}=' "$ENV_FILE" | cut -d= -f2-)
REGISTRY=${IMAGE%%/*}
aws ecr get-login-password --region "$(echo "$REGISTRY" | cut -d. -f4)" | docker login --username AWS --password-stdin "$REGISTRY"
docker pull "$IMAGE"
# SIGTERM first: the app drains (readiness off, in-flight requests finish).
docker stop -t 40 app >/dev/null 2>&1 || true
docker rm app >/dev/null 2>&1 || true
docker run -d --name app --restart always --network host --env-file "$ENV_FILE" \
{{- if .LogGroup}}
  --log-driver awslogs --log-opt awslogs-region="$REGION" --log-opt awslogs-group={{.LogGroup}} \
{{- end}}
  --stop-timeout 40 "$IMAGE" {{.Role}}
`))

var userData = template.Must(template.New("user-data").Parse(`#!/bin/bash
# Rendered by components/boot. The app's settings live in SSM under
# {{.ParamPath}}; scalezero-apply reads them and starts the app.
set -euo pipefail
# The network can come up after this script starts: the phase-1 server gets
# its public address (an Elastic IP) only once it runs. Retry what needs it
# for five minutes rather than leave a host that never serves (a web host
# still retrying after its two-minute grace period is replaced by its group,
# which starts over).
retry() {
  local n
  for n in $(seq 1 30); do
    "$@" && return 0
    echo "user data: '$*' failed (attempt $n of 30); retrying in 10 s" >&2
    sleep 10
  done
  return 1
}
retry dnf install -y docker jq amazon-cloudwatch-agent
systemctl enable --now docker

# Host memory and disk, per host and per autoscaling group (CWAgent).
cat > /opt/aws/amazon-cloudwatch-agent/etc/scalezero.json <<'AGENT'
{{.Agent}}
AGENT
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \
  -c file:/opt/aws/amazon-cloudwatch-agent/etc/scalezero.json
{{- if .PeeredCIDRs}}

# Traffic to the peered region at 1500 bytes (EC2 User Guide, "Network
# maximum transmission unit (MTU) for your EC2 instance"), at every boot.
cat > /usr/local/bin/scalezero-peer-mtu <<'MTU'
#!/bin/bash
set -euo pipefail
read -r _ _ gateway _ device _ < <(ip route show default)
{{- range .PeeredCIDRs}}
ip route replace {{.}} via "$gateway" dev "$device" mtu 1500
{{- end}}
MTU
chmod 0755 /usr/local/bin/scalezero-peer-mtu
cat > /etc/systemd/system/scalezero-peer-mtu.service <<'UNIT'
[Unit]
Description=Send traffic for the peered region at 1500 bytes
After=network-online.target
Wants=network-online.target
[Service]
Type=oneshot
ExecStart=/usr/local/bin/scalezero-peer-mtu
[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
# Not fatal: without it large replies may stall, but the host still serves.
systemctl enable --now scalezero-peer-mtu.service || echo "user data: the peered-route MTU was not set" >&2
{{- end}}
{{- if .ServePort80}}
retry dnf install -y iptables-nft
iptables -t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080
{{- end}}

cat > /usr/local/bin/scalezero-apply <<'APPLY'
{{.Apply}}APPLY
chmod 0755 /usr/local/bin/scalezero-apply
{{- if .Refresh}}

# Settings changed by a later ` + "`pulumi up`" + ` reach this host within a minute.
cat > /etc/systemd/system/scalezero-apply.service <<'UNIT'
[Unit]
Description=Apply the app's settings from SSM
After=docker.service
[Service]
Type=oneshot
ExecStart=/usr/local/bin/scalezero-apply
UNIT
cat > /etc/systemd/system/scalezero-apply.timer <<'UNIT'
[Unit]
Description=Re-apply the app's settings every minute
[Timer]
OnBootSec=1min
OnUnitActiveSec=1min
[Install]
WantedBy=timers.target
UNIT
systemctl daemon-reload
systemctl enable --now scalezero-apply.timer
{{- end}}

retry /usr/local/bin/scalezero-apply
`))

// ApplyScript returns scalezero-apply as installed on the host.
func ApplyScript(o Options) (string, error) {
	if err := o.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	if err := apply.Execute(&b, struct {
		Options
		LocalDataKey, ImageKey, PasswordKey string
	}{o, LocalDataKey, imageKey, passwordKey}); err != nil {
		return "", fmt.Errorf("boot: render apply script: %w", err)
	}
	return b.String(), nil
}

// AgentConfig is the CloudWatch agent's configuration: memory and root-disk
// use every minute in the CWAgent namespace, by instance and by group (the
// dimensions components/observability reads).
const AgentConfig = `{"agent":{"metrics_collection_interval":60},` +
	`"metrics":{"namespace":"CWAgent",` +
	`"append_dimensions":{"AutoScalingGroupName":"${aws:AutoScalingGroupName}","InstanceId":"${aws:InstanceId}"},` +
	`"aggregation_dimensions":[["AutoScalingGroupName"],["InstanceId"]],` +
	`"metrics_collected":{"mem":{"measurement":["mem_used_percent"]},"disk":{"measurement":["used_percent"],"resources":["/"]}}}}`

// Script returns the user data as plain text.
func Script(o Options) (string, error) {
	a, err := ApplyScript(o)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := userData.Execute(&b, struct {
		Options
		Apply, Agent string
	}{o, a, AgentConfig}); err != nil {
		return "", fmt.Errorf("boot: render user data: %w", err)
	}
	return b.String(), nil
}

// Base64 returns the user data encoded as launch templates require.
func Base64(o Options) (string, error) {
	s, err := Script(o)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}
