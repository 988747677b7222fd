// Package boot renders the user data of the app's hosts. The script is static
// for a given role and parameter path: endpoints and the image reference are
// read from SSM Parameter Store at boot, so the user data is known at preview
// time, reviewable in a diff, and does not change when an endpoint does.
package boot

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"text/template"
)

// Options describe one host.
type Options struct {
	Role      string // "web" or "worker": the app subcommand to run
	Region    string // where the parameters live
	ParamPath string // e.g. /scalezero/dev/ ; each parameter's basename is an env var
	// LocalData installs PostgreSQL and Redis on the host (phase 1's single server).
	LocalData bool
	// ServePort80 sends port 80 to the app's 8080: a host without a load
	// balancer in front (the single server) is reached on 80, and the app
	// runs as a non-root user that cannot bind it.
	ServePort80 bool
}

var pathPattern = regexp.MustCompile(`^/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*/$`)

// Validate reports the first invalid option by name.
func (o Options) Validate() error {
	switch {
	case o.Role != "web" && o.Role != "worker":
		return fmt.Errorf("boot: Role = %q is invalid: allowed web or worker", o.Role)
	case o.Region == "":
		return fmt.Errorf("boot: Region is empty: allowed an AWS region name")
	case !pathPattern.MatchString(o.ParamPath):
		return fmt.Errorf("boot: ParamPath = %q is invalid: allowed an absolute SSM path ending in /", o.ParamPath)
	}
	return nil
}

var script = template.Must(template.New("user-data").Parse(`#!/bin/bash
# Rendered by components/boot. Reads the app's settings from SSM at boot.
set -euo pipefail
REGION={{.Region}}
PARAM_PATH={{.ParamPath}}
ENV_FILE=/etc/scalezero/app.env

dnf install -y docker jq
systemctl enable --now docker
{{- if .ServePort80}}
dnf install -y iptables-nft
iptables -t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080
{{- end}}
{{- if .LocalData}}

# Phase 1: the database and the cache live on this host.
dnf install -y postgresql15-server redis6
postgresql-setup --initdb
sed -i 's/^host\(.*\)ident$/host\1scram-sha-256/' /var/lib/pgsql/data/pg_hba.conf
systemctl enable --now postgresql redis6
DB_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
sudo -u postgres psql -v ON_ERROR_STOP=1 -c "CREATE ROLE app LOGIN PASSWORD '${DB_PASSWORD}'" -c "CREATE DATABASE app OWNER app"
{{- end}}

install -d -m 0750 /etc/scalezero
aws ssm get-parameters-by-path --region "$REGION" --path "$PARAM_PATH" --with-decryption \
  --query 'Parameters[].[Name,Value]' --output text |
  while IFS=$'\t' read -r name value; do printf '%s=%s\n' "${name##*/}" "$value"; done > "$ENV_FILE"
{{- if .LocalData}}
printf 'SCALEZERO_DATABASE_PASSWORD=%s\n' "$DB_PASSWORD" >> "$ENV_FILE"
{{- else}}

# RDS manages each database's master password in Secrets Manager; SSM holds only
# the secret's ARN as <PREFIX>_SECRET_ARN, which becomes <PREFIX>_USER and _PASSWORD.
{ grep '_SECRET_ARN=' "$ENV_FILE" || true; } | while IFS='=' read -r key arn; do
  prefix=${key%_SECRET_ARN}
  aws secretsmanager get-secret-value --region "$(echo "$arn" | cut -d: -f4)" --secret-id "$arn" \
    --query SecretString --output text |
    jq -r --arg p "$prefix" '"\($p)_USER=\(.username)\n\($p)_PASSWORD=\(.password)"'
done >> "$ENV_FILE.secrets"
cat "$ENV_FILE.secrets" >> "$ENV_FILE" && rm -f "$ENV_FILE.secrets"
{{- end}}
chmod 0640 "$ENV_FILE"

IMAGE=$(grep '^SCALEZERO_IMAGE=' "$ENV_FILE" | cut -d= -f2-)
REGISTRY=${IMAGE%%/*}
aws ecr get-login-password --region "$(echo "$REGISTRY" | cut -d. -f4)" | docker login --username AWS --password-stdin "$REGISTRY"
docker pull "$IMAGE"
docker run -d --name app --restart always --network host --env-file "$ENV_FILE" \
  --stop-timeout 40 "$IMAGE" {{.Role}}
`))

// Script returns the user data as plain text.
func Script(o Options) (string, error) {
	if err := o.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	if err := script.Execute(&b, o); err != nil {
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
