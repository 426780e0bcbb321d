#!/bin/sh
# Installs what bench/pid1.ts compares tend with (Debian/Ubuntu, as root): tini,
# dumb-init, supervisord, and a C compiler for its startup probe. unshare
# (util-linux) and mkfifo (coreutils) are part of any Debian base system.
set -eu
if [ "$(id -u)" -ne 0 ]; then
  echo "bench/setup.sh: run as root (apt-get install)" >&2
  exit 1
fi
missing=""
for cmd in tini dumb-init supervisord cc unshare mkfifo; do
  command -v "$cmd" >/dev/null 2>&1 || missing="$missing $cmd"
done
if [ -z "$missing" ]; then
  echo "bench/setup.sh: everything is installed"
  exit 0
fi
echo "bench/setup.sh: installing for:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends tini dumb-init supervisor gcc libc6-dev util-linux coreutils
