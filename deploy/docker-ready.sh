#!/usr/bin/env bash
# Makes sure the Docker daemon answers: starts it (systemd, the init script, or dockerd by hand
# when the machine has no init system, as in containers and CI sandboxes) when it does not, and
# waits until `docker info` works. Installing docker.io itself is the Makefile's (deploy-deps).
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
echo "docker: starting the daemon"
if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
  systemctl start docker
elif [ -x /etc/init.d/docker ] && /etc/init.d/docker start >/dev/null 2>&1; then
  :
else
  log=${DOCKERD_LOG:-/var/log/dockerd.log}
  nohup dockerd >"$log" 2>&1 &
fi
for _ in $(seq 120); do
  docker info >/dev/null 2>&1 && { echo "docker: daemon up"; exit 0; }
  sleep 0.5
done
echo "docker: the daemon did not come up (see ${DOCKERD_LOG:-/var/log/dockerd.log} or journalctl -u docker)" >&2
exit 1
