#!/bin/sh
# Installs (as root) or asks for Debian packages; quiet when all are there.
#   sh tests/deps.sh               what building and testing remit need
#   sh tests/deps.sh WHAT PKG...   just these, for WHAT ("make demo");
#                                  PKG:ARCH adds ARCH to dpkg if needed
what="remit's tests"
pkgs="build-essential musl-tools libcriterion-dev nats-server tini dumb-init catatonit runc busybox-static mandoc util-linux procps clang libclang-rt-dev python3 docker.io podman"
if [ $# -gt 0 ]; then what=$1; shift; pkgs="$*"; fi
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  # musl-dev:arm64 and the like: dpkg must know the architecture first.
  for p in $missing; do
    case $p in *:*)
      a=${p#*:}
      { dpkg --print-architecture; dpkg --print-foreign-architectures; } | grep -qx "$a" ||
        dpkg --add-architecture "$a" || exit 1;;
    esac
  done
  echo "$what: installing:$missing"
  # A mirror caught mid-sync fails some index files; the install says if it matters.
  apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null || exit 1
else
  echo "$what: these Debian packages are missing:$missing" >&2
  echo "install them with: sudo apt-get install -y$missing" >&2
  exit 1
fi
