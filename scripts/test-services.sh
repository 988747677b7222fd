#!/usr/bin/env bash
# Starts what the app's tests talk to: PostgreSQL (the machine's cluster, port
# 5432), a streaming replica of it made with pg_basebackup (port 5433), Redis
# (6379), SQS + S3 (fauxqs, an emulator speaking the current AWS wire
# protocols, port 4566) and DynamoDB (dynalite, port 4567); installs them, shellcheck, Chromium (for the page's
# browser test) and HAProxy (for make faults) when missing.
# Idempotent: what already runs is left alone.
#
#   scripts/test-services.sh                 start everything
#   scripts/test-services.sh stop-replica    stop the replica (tests of failover)
#   scripts/test-services.sh start-replica   start it again
set -euo pipefail

PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
REPLICA_DIR=${REPLICA_DIR:-/var/lib/postgresql/scalezero-replica}
AWS_PORT=${AWS_PORT:-4566}
DYNAMODB_PORT=${DYNAMODB_PORT:-4567}
EMULATOR_DIR=$(cd "$(dirname "$0")/aws-emulator" && pwd)
# newest: the last of its arguments in version order (PostgreSQL's major versions).
newest() { printf '%s\n' "$@" | sort -V | tail -n 1; }
pg_bin() { local d; d=$(newest /usr/lib/postgresql/*/bin); [ -d "$d" ] && echo "$d"; }
PGBIN=$(pg_bin || true)
AS_POSTGRES="runuser -u postgres --"

need() { command -v "$1" >/dev/null 2>&1 || { echo "missing $1: $2" >&2; exit 1; }; }

install_missing() {
  local pkgs=()
  [ -n "$PGBIN" ] || pkgs+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
  command -v shellcheck >/dev/null 2>&1 || pkgs+=(shellcheck) # checks the hosts' user data
  command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)         # runs the SQS/S3 emulator
  command -v chromium >/dev/null 2>&1 || pkgs+=(chromium)         # drives the demo page in a test
  command -v haproxy >/dev/null 2>&1 || pkgs+=(haproxy)           # the load balancer of make faults
  command -v nginx >/dev/null 2>&1 || pkgs+=(nginx-light)        # the docker target's load balancer, tested in components/containers
  if [ ${#pkgs[@]} -gt 0 ]; then
    echo "installing ${pkgs[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
    PGBIN=$(pg_bin)
  fi
}

wait_ready() { # port
  for _ in $(seq 1 60); do
    "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$1" && return 0
    sleep 0.5
  done
  echo "PostgreSQL on port $1 did not become ready" >&2
  return 1
}

start_primary() {
  if ! "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PRIMARY_PORT"; then
    pg_ctlcluster --skip-systemctl-redirect "$(basename "$(newest /etc/postgresql/*)")" main start
  fi
  wait_ready "$PRIMARY_PORT"
  # The replica connects for replication over loopback.
  local hba
  hba=$($AS_POSTGRES psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -Atc 'show hba_file')
  if ! grep -qE '^host\s+replication\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    echo 'host replication all 127.0.0.1/32 trust' >> "$hba"
    $AS_POSTGRES psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -qc 'select pg_reload_conf()' >/dev/null
  fi
  # Everyone else may use trust; members of sz_password_auth must give their
  # password, so the credential rotation test sees a changed one refused.
  $AS_POSTGRES psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -qc \
    "do \$\$ begin create role sz_password_auth nologin; exception when duplicate_object then null; end \$\$" >/dev/null
  if password_auth_first "$hba"; then
    $AS_POSTGRES psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -qc 'select pg_reload_conf()' >/dev/null
  fi
}

# password_auth_first puts the password rule for sz_password_auth's members
# at the top of an hba file (rules match in order); false when it was there.
PASSWORD_RULE='host all +sz_password_auth 127.0.0.1/32 scram-sha-256'
password_auth_first() {
  head -n 1 "$1" | grep -qxF "$PASSWORD_RULE" && return 1
  local tmp
  tmp=$(mktemp)
  { echo "$PASSWORD_RULE"; grep -vxF "$PASSWORD_RULE" "$1"; } > "$tmp"
  cat "$tmp" > "$1" && rm -f "$tmp"
}

# A replica left by an earlier run may belong to another primary, or have
# fallen behind beyond the WAL the primary kept: then it is made anew.
start_replica() {
  if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$REPLICA_PORT" && streaming; then
    if password_auth_first "$REPLICA_DIR/pg_hba.conf"; then
      $AS_POSTGRES "$PGBIN/pg_ctl" -D "$REPLICA_DIR" reload >/dev/null
    fi
    return 0
  fi
  stop_replica
  if [ -f "$REPLICA_DIR/standby.signal" ] && launch_replica && streaming; then
    return 0
  fi
  echo "making the replica with pg_basebackup" >&2
  stop_replica
  rm -rf "$REPLICA_DIR"
  install -d -o postgres -g postgres -m 0700 "$REPLICA_DIR"
  $AS_POSTGRES "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
    -D "$REPLICA_DIR" -R -X stream -c fast
  # Debian keeps a cluster's config under /etc; the copy needs its own.
  $AS_POSTGRES tee "$REPLICA_DIR/postgresql.conf" >/dev/null <<CONF
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
hot_standby = on
include_if_exists = 'postgresql.auto.conf'
CONF
  printf '%s\nlocal all all trust\nhost all all 127.0.0.1/32 trust\n' "$PASSWORD_RULE" | $AS_POSTGRES tee "$REPLICA_DIR/pg_hba.conf" >/dev/null
  $AS_POSTGRES touch "$REPLICA_DIR/pg_ident.conf"
  if ! { launch_replica && streaming; }; then
    echo "the replica does not stream from the primary" >&2
    return 1
  fi
}

# The server outlives this script: it must not keep a descriptor the caller
# holds (a lock a test runner waits on), so only stdio reaches it.
launch_replica() {
  $AS_POSTGRES "$PGBIN/pg_ctl" -D "$REPLICA_DIR" -l "$REPLICA_DIR/replica.log" -w start >/dev/null 2>&1 \
    3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &&
    wait_ready "$REPLICA_PORT"
}

# streaming: the primary sees a standby streaming from it.
streaming() {
  for _ in $(seq 1 40); do
    n=$($AS_POSTGRES psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -Atc \
      "select count(*) from pg_stat_replication where state = 'streaming'" 2>/dev/null || echo 0)
    [ "${n:-0}" -ge 1 ] && return 0
    sleep 0.25
  done
  return 1
}

# A replica started by an earlier session dies with that session's processes
# and leaves its postmaster.pid behind; pg_ctl stop refuses such a file (and
# would signal whatever process now has that pid), so a pid file whose
# process is not this replica's postmaster is removed instead.
stop_replica() {
  [ -f "$REPLICA_DIR/postmaster.pid" ] || return 0
  local pid
  pid=$(head -n 1 "$REPLICA_DIR/postmaster.pid")
  if ! ps -o args= -p "$pid" 2>/dev/null | grep -qF -- "$REPLICA_DIR"; then
    echo "removing the stale pid file of a replica that is not running" >&2
    rm -f "$REPLICA_DIR/postmaster.pid"
    return 0
  fi
  $AS_POSTGRES "$PGBIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w stop >/dev/null ||
    $AS_POSTGRES "$PGBIN/pg_ctl" -D "$REPLICA_DIR" -m immediate -w stop >/dev/null
}

start_redis() {
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    install -d /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 1 40); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.25; done
  fi
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The emulator is installed in this checkout even when one already listens
# (some tests start their own with an init file); it keeps everything in
# memory, and tests make their own queues and buckets under unique names.
start_aws_emulator() {
  if [ ! -x "$EMULATOR_DIR/node_modules/.bin/fauxqs" ] || [ ! -x "$EMULATOR_DIR/node_modules/.bin/dynalite" ]; then
    (cd "$EMULATOR_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  listening "$AWS_PORT" && return 0
  FAUXQS_PORT=$AWS_PORT FAUXQS_HOST=127.0.0.1 FAUXQS_LOGGER=false \
    nohup "$EMULATOR_DIR/node_modules/.bin/fauxqs" >/tmp/scalezero-aws-emulator.log 2>&1 &
  for _ in $(seq 1 60); do listening "$AWS_PORT" && return 0; sleep 0.25; done
  echo "the SQS/S3 emulator did not start; see /tmp/scalezero-aws-emulator.log" >&2
  return 1
}

# dynalite keeps its tables in memory (no --path); tests make their own
# tables under unique names.
start_dynamodb_emulator() {
  listening "$DYNAMODB_PORT" && return 0
  nohup "$EMULATOR_DIR/node_modules/.bin/dynalite" --host 127.0.0.1 --port "$DYNAMODB_PORT" \
    >/tmp/scalezero-dynamodb-emulator.log 2>&1 &
  for _ in $(seq 1 60); do listening "$DYNAMODB_PORT" && return 0; sleep 0.25; done
  echo "the DynamoDB emulator did not start; see /tmp/scalezero-dynamodb-emulator.log" >&2
  return 1
}

case "${1:-start}" in
  start)
    install_missing
    need runuser "util-linux"
    start_primary
    start_replica
    start_redis
    start_aws_emulator
    start_dynamodb_emulator
    echo "services: postgres primary :$PRIMARY_PORT, replica :$REPLICA_PORT (streaming), redis :6379, sqs+s3 :$AWS_PORT, dynamodb :$DYNAMODB_PORT"
    ;;
  stop-replica) stop_replica ;;
  start-replica) start_replica ;;
  *) echo "usage: $0 [start|stop-replica|start-replica]" >&2; exit 2 ;;
esac
