#!/usr/bin/env bash
# Installs compose v2 (`docker compose`) as a docker CLI plugin, compiled from its Go module:
# Debian 12 packages only docker-compose 1.29, and no download site but the Go module proxy is
# reachable. `go install MODULE/cmd@VERSION` refuses compose (its go.mod has `exclude`
# directives), so the module is fetched with `go mod download` and built as the main module,
# with its own go.mod and go.sum. Nothing to do when that version is installed.
#
#   deploy/compose-v2.sh        (make deploy-deps COMPOSE=v2; a few minutes on 2 cores)
#
# COMPOSE_V2_VERSION (default v2.40.3), COMPOSE_PLUGIN_DIR (default
# /usr/local/lib/docker/cli-plugins, where docker looks for system-wide plugins). Needs `go`.
set -euo pipefail
version=${COMPOSE_V2_VERSION:-v2.40.3}
dest=${COMPOSE_PLUGIN_DIR:-/usr/local/lib/docker/cli-plugins}
module=github.com/docker/compose/v2

if [ "$("$dest/docker-compose" version --short 2>/dev/null)" = "${version#v}" ]; then
  echo "compose: v2 ${version#v} is there ($dest/docker-compose)"
  exit 0
fi
command -v go >/dev/null || {
  echo "compose: building compose v2 needs Go >= 1.21 on PATH (it fetches the Go its go.mod names)" >&2
  exit 1
}
echo "compose: building $module@$version from the Go module proxy (minutes)"
src=$(go mod download -json "$module@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -n "$src" ] || { echo "compose: go mod download $module@$version gave no directory" >&2; exit 1; }
work=$(mktemp -d /var/tmp/compose-v2.XXXXXX)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$src/." "$work/" && chmod -R u+w "$work"   # the module cache is read-only
mkdir -p "$dest"
(cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=${GOTOOLCHAIN:-auto} \
  nice -n 10 go build -trimpath -ldflags "-w -s -X $module/internal.Version=$version" \
  -o "$dest/docker-compose.new" ./cmd)
mv "$dest/docker-compose.new" "$dest/docker-compose"
echo "compose: $(docker compose version)"
