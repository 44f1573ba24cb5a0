#!/bin/sh
# Installs (as root) or asks for Debian packages; quiet when all are there.
#   sh tests/deps.sh               what building and testing remit need
#   sh tests/deps.sh WHAT PKG...   just these, for WHAT ("make demo");
#                                  PKG:ARCH adds ARCH to dpkg if needed;
#                                  PKG? only where the archive has it
what="remit's tests"
pkgs="build-essential musl-tools libcriterion-dev nats-server tini dumb-init catatonit runc busybox-static mandoc util-linux procps clang libclang-rt-dev python3 docker.io podman containerd crun docker-compose podman-compose"
if [ $# -gt 0 ]; then
  what=$1; shift; pkgs="$*"
else
  # Podman 5 (Debian 13) has no CNI: it runs nothing without netavark, and
  # aardvark-dns beside it (Podman 4, Debian 12's, uses CNI's plugins).
  podman=$(apt-cache show --no-all-versions podman 2>/dev/null | sed -n 's/^Version: \([0-9]*\)\..*/\1/p')
  [ "${podman:-0}" -ge 5 ] && pkgs="$pkgs netavark aardvark-dns"
fi
known() { { dpkg --print-architecture; dpkg --print-foreign-architectures; } | grep -qx "$1"; }
# PKG? is wanted where the archive has it (musl-dev:riscv64 is in Debian 13,
# not 12): once dpkg knows ARCH, apt-cache says, with no apt-get update.
missing=""
for p in $pkgs; do
  q=${p%\?}
  dpkg-query -W -f='${Status}' "$q" 2>/dev/null | grep -q "install ok installed" && continue
  case $p in *:*\?) known "${q#*:}" && ! apt-cache show "$q" >/dev/null 2>&1 && continue;; esac
  missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  # musl-dev:arm64 and the like: dpkg must know the architecture first.
  for p in $missing; do
    case $p in *:*)
      a=${p#*:}; a=${a%\?}
      known "$a" || dpkg --add-architecture "$a" || exit 1;;
    esac
  done
  # A mirror caught mid-sync fails some index files; the install says if it matters.
  apt-get update -qq >/dev/null 2>&1
  wanted=$missing missing=""
  for p in $wanted; do
    q=${p%\?}
    [ "$q" != "$p" ] && ! apt-cache show "$q" >/dev/null 2>&1 && continue
    missing="$missing $q"
  done
  [ -z "$missing" ] && exit 0
  echo "$what: installing:$missing"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null || exit 1
else
  need="" maybe=""
  for p in $missing; do case $p in *\?) maybe="$maybe ${p%\?}";; *) need="$need $p";; esac; done
  [ -z "$need" ] && exit 0  # only optional ones: the build does without
  echo "$what: these Debian packages are missing:$need" >&2
  echo "install them with: sudo apt-get install -y$need" >&2
  [ -z "$maybe" ] || echo "(and, where this Debian release has them:$maybe)" >&2
  exit 1
fi
