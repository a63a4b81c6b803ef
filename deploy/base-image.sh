#!/usr/bin/env bash
# Builds ticklab-base:bookworm, the image every ticklab image starts FROM, out of Debian's own
# packages (no registry image needed): debootstrap --variant=minbase, brought up to date with
# bookworm-updates and the security archive, trimmed of apt lists, docs, man pages and locales,
# then `docker import`ed. dpkg is told to keep leaving docs out of later installs.
#
#   deploy/base-image.sh [TAG]     (TAG: ticklab-base:bookworm; nothing to do if it exists)
#
# DEBIAN_MIRROR overrides the mirror (default http://deb.debian.org/debian). Needs root.
set -euo pipefail
tag=${1:-ticklab-base:bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "image: $tag is there"
  exit 0
fi
root=$(mktemp -d /var/tmp/ticklab-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "image: debootstrap bookworm (minbase) into $root"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 \
  || { tail -20 "$root.log"; rm -f "$root.log"; exit 1; }
rm -f "$root.log"

cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SOURCES
# Later `apt-get install`s in Dockerfiles: no recommends, no docs/man/locales, no cached .debs.
cat >"$root/etc/apt/apt.conf.d/90ticklab" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT
cat >"$root/etc/dpkg/dpkg.cfg.d/90ticklab-nodoc" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG

echo "image: apt-get upgrade (bookworm-updates, security)"
chroot "$root" /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -y -qq upgrade' \
  >"$root.log" 2>&1 || { tail -20 "$root.log"; rm -f "$root.log"; exit 1; }
rm -f "$root.log"

echo "image: trimming"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
  "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/* "$root"/tmp/* \
  "$root"/var/cache/ldconfig/aux-cache
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +

echo "image: docker import $tag"
tar -C "$root" --numeric-owner -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
  -c 'CMD ["/bin/bash"]' - "$tag" >/dev/null
docker image ls "$tag"
