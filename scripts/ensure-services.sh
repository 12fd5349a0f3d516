#!/usr/bin/env bash
# Makes sure the databases the integration tests use answer: Postgres on 127.0.0.1:5432 (database
# `test`) and Redis on 127.0.0.1:6379. Starts whichever is down, then waits (bounded) until both answer.
# Usage: scripts/ensure-services.sh   (exit 0 when both answer, 1 otherwise)
set -euo pipefail

WAIT_SECONDS="${ENSURE_SERVICES_WAIT_SECONDS:-30}"

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -d test -q; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

wait_for() { # name, check function
  local name="$1" check="$2" waited=0
  until "$check"; do
    if [ "$waited" -ge "$WAIT_SECONDS" ]; then
      echo "ensure-services: $name did not answer within ${WAIT_SECONDS}s" >&2
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "ensure-services: $name is up"
}

if ! pg_up; then
  echo "ensure-services: starting Postgres"
  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start || true
fi
if ! redis_up; then
  echo "ensure-services: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi

status=0
wait_for postgres pg_up || status=1
wait_for redis redis_up || status=1
exit "$status"
