#!/bin/sh
# Copies the shared libraries that BINARIES load (ldd's transitive list) into DIR, except those
# whose soname is listed in BASE_SONAMES (the base image has them). Symlinks (Debian's
# alternatives, e.g. libblas.so.3 -> OpenBLAS) are resolved: DIR gets the real file under the
# soname the loader looks for.
#
#   runtime-libs.sh BASE_SONAMES DIR BINARY...
set -eu
base=$1 dir=$2
shift 2
mkdir -p "$dir"
ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u | while read -r soname path; do
  if ! grep -qxF "$soname" "$base"; then
    cp -L "$path" "$dir/$soname"
    echo "runtime-libs: $soname"
  fi
done
