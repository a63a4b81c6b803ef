#!/usr/bin/env bash
# Makes sure the Docker daemon answers: starts it (systemd, the init script, or dockerd by hand
# when the machine has no init system, as in containers and CI sandboxes) when it does not, and
# waits until `docker info` works. Installing docker.io itself is the Makefile's (deploy-deps).
#
# Exit 0: the daemon answers. Exit 77: the daemon cannot run on this machine at all (the dockerd
# started by hand died: no root, no cgroups, no overlay/iptables privileges, ...); the one line on
# stderr then starts with "docker cannot run here:" and says dockerd's own reason. .ci/run
# reports that and passes (docs/deploy.md); anything else (exit 1) is a failure.
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
log=${DOCKERD_LOG:-/var/log/dockerd.log}
[ -w "$(dirname "$log")" ] || log=$(mktemp "${TMPDIR:-/tmp}/dockerd.XXXXXX.log")
if pgrep -x dockerd >/dev/null; then
  echo "docker: a dockerd runs but \`docker info\` fails: $(docker info 2>&1 | tail -1)" >&2
  exit 1
fi
echo "docker: starting the daemon"
dockerd_pid=""
if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
  systemctl start docker
elif [ -x /etc/init.d/docker ] && /etc/init.d/docker start >/dev/null 2>&1; then
  :
else
  command -v dockerd >/dev/null || { echo "docker: no dockerd (install docker.io)" >&2; exit 1; }
  nohup dockerd >"$log" 2>&1 &
  dockerd_pid=$!
fi
for _ in $(seq 120); do
  docker info >/dev/null 2>&1 && { echo "docker: daemon up"; exit 0; }
  if [ -n "$dockerd_pid" ] && ! kill -0 "$dockerd_pid" 2>/dev/null; then
    # dockerd's last fatal line, e.g. "failed to start daemon: ... operation not permitted"
    reason=$(grep -E 'level=fatal|failed to start daemon|must be run as root|root privileges' "$log" \
      | tail -1 | sed -E 's/.*msg="?//; s/"$//' | cut -c1-200)
    echo "docker cannot run here: dockerd exited: ${reason:-see $log}" >&2
    exit 77
  fi
  sleep 0.5
done
echo "docker: the daemon did not come up in 60 s (see $log or journalctl -u docker)" >&2
exit 1
