#!/bin/sh
# tests/deb-install.sh: the Debian package installed as a user installs it.
#
#   sh tests/deb-install.sh [RELEASE] [DEB]   (bookworm; dist/remit_VERSION_amd64.deb)
#   ROOT_TAR=FILE   the pristine root (default /var/tmp/remit-deb-RELEASE.tar),
#                   made with debootstrap --variant=minbase when missing
#
# In a fresh Debian root (chroot, in a mount namespace of its own): apt-get
# install ./remit_VERSION_amd64.deb, then remit --version, man remit, the
# demo rule, a peer's name from /usr/libexec/remit, and apt-get purge remit
# must leave no file behind.  Needs root and the Debian archive (debootstrap,
# man-db): not part of make test, whose package suite does the same with
# dpkg --root and no network.  tests/fresh-debian.sh can call it.
set -eu
cd "$(dirname "$0")/.."
release=${1:-bookworm}
deb=${2:-$(ls dist/remit_*_amd64.deb | tail -1)}
tar=${ROOT_TAR:-/var/tmp/remit-deb-$release.tar}
[ "$(id -u)" = 0 ] || { echo "deb-install.sh: needs root (debootstrap, chroot, mount)" >&2; exit 1; }
[ -f "$deb" ] || { echo "deb-install.sh: no $deb (make deb)" >&2; exit 1; }

if [ ! -f "$tar" ]; then
  command -v debootstrap >/dev/null || apt-get install -y debootstrap
  made=$(mktemp -d /var/tmp/remit-deb-root.XXXXXX)
  debootstrap --variant=minbase --include=man-db "$release" "$made" >&2
  tar -C "$made" -cpf "$tar" .
  rm -rf --one-file-system "$made"
fi
root=$(mktemp -d /var/tmp/remit-deb.XXXXXX)
trap 'rm -rf --one-file-system "$root"' EXIT
tar -C "$root" -xpf "$tar"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"  # readable by apt-get's _apt user

# What the user does, and the checks; the file lists leave out apt's and
# dpkg's own state, logs and caches.
script='
  set -eu
  files() { find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /var/lib/dpkg \
    -o -path /var/lib/apt -o -path /var/cache -o -path /var/log -o -path /root -o -path /tmp \) \
    -prune -o -print | sort; }
  files > /tmp/before
  apt-get install -y ./tmp/'"$(basename "$deb")"' >/dev/null
  echo "installed: $(dpkg-query -W -f="\${Package} \${Version} \${Architecture}" remit)"
  echo "version: $(remit --version)"
  man remit 2>/dev/null | grep -q "remit - a tiny init for containers" && echo "man: renders"
  set +e
  remit -m 1@TERM=0 -- sh -c "trap \"kill \$! 2>/dev/null; exit 1\" TERM; kill -TERM \$PPID; sleep 30 & wait"
  echo "demo rule: exit $?"
  set -e
  echo "peer name: $(/usr/libexec/remit/tini --version)"
  echo "on PATH as tini: $(command -v tini || echo no)"
  apt-get purge -y remit >/dev/null
  files | diff /tmp/before - && echo "purge: nothing left"
'
unshare --mount --propagation private sh -eu -c '
  root=$1 script=$2
  mount --bind "$root" "$root"
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  env -i HOME=/root TERM=dumb LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    chroot "$root" /bin/sh -c "cd / && $script"
' sh "$root" "$script" > "$root.log" 2>&1 || true
cat "$root.log"
v=$(dpkg-deb -f "$deb" Version)
grep -q "^version: remit $v (" "$root.log" && grep -q "^man: renders" "$root.log" &&
  grep -q "^demo rule: exit 0" "$root.log" && grep -q "^peer name: tini version 0.19.0" "$root.log" &&
  grep -q "^on PATH as tini: no" "$root.log" && grep -q "^purge: nothing left" "$root.log" &&
  { echo "deb-install.sh: $deb on $release: ok"; rm -f "$root.log"; } ||
  { echo "deb-install.sh: $deb on $release: FAILED (log: $root.log)"; exit 1; }
