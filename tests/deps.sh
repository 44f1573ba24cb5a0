#!/bin/sh
# Installs (as root) or asks for the Debian packages that building and
# testing remit need.  Quiet when everything is there already.
pkgs="build-essential musl-tools libcriterion-dev nats-server tini dumb-init catatonit runc busybox-static mandoc util-linux procps clang libclang-rt-dev"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing:$missing"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null || exit 1
else
  echo "remit's tests need these Debian packages:$missing" >&2
  echo "install them with: sudo apt-get install -y$missing" >&2
  exit 1
fi
