#!/bin/sh
# tests/fresh-debian.sh: the README's quick start on a fresh Debian 12.
#
# Unpacks a pristine Debian 12 root (debootstrap --include=build-essential,git
# bookworm, kept as a tarball), clones a branch of this repository into it and
# runs the README's quick start as root in the chroot: apt-get, git clone,
# `make test`, then `make demo`.  The chroot is set up as the README says a
# chroot needs: its root bind-mounted onto itself, /proc, /dev and /sys
# mounted.  All of it happens in a mount namespace of its own, so nothing
# stays mounted on the host; the copy is removed at the end.
#
#   sh tests/fresh-debian.sh [BRANCH]   (default: the checked-out branch)
#   ROOT_TAR=FILE   the pristine root (default /work/chroot-bookworm.tar);
#                   made with debootstrap when the file does not exist
#   KEEP=1          keep the copy (its path is printed) to look inside
# Not part of make test: it needs root and the network, and takes a while.
# The log of the run is in /var/tmp/remit-fresh.log.
set -eu
cd "$(dirname "$0")/.."
branch=${1:-$(git rev-parse --abbrev-ref HEAD)}
tar=${ROOT_TAR:-/work/chroot-bookworm.tar}
log=/var/tmp/remit-fresh.log
[ "$(id -u)" = 0 ] || { echo "fresh-debian.sh: needs root (debootstrap, chroot, mount)" >&2; exit 1; }

if [ ! -f "$tar" ]; then
  command -v debootstrap >/dev/null || apt-get install -y debootstrap
  made=$(mktemp -d /var/tmp/bookworm.XXXXXX)
  debootstrap --include=build-essential,git bookworm "$made"
  tar -C "$made" -cpf "$tar" .
  rm -rf --one-file-system "$made"
fi

root=$(mktemp -d /var/tmp/remit-fresh.XXXXXX)
cleanup() {
  # The mounts lived in the namespace below: here these are plain
  # directories.  Refuse to delete through a mount all the same.
  for m in proc dev sys; do
    if mountpoint -q "$root/$m"; then echo "fresh-debian.sh: $root/$m still mounted; not removing $root" >&2; return; fi
  done
  rm -rf --one-file-system "$root"
}
if [ "${KEEP:-0}" = 1 ]; then echo "the root stays in $root"; else trap cleanup EXIT; fi
tar -C "$root" -xpf "$tar"
cp /etc/resolv.conf "$root/etc/resolv.conf"  # apt-get inside needs DNS
git bundle create "$root/root/remit.bundle" "$branch" 2>/dev/null

# The quick start, as the README has it (make test before make demo, so
# that make test starts from nothing but build-essential and git).
quickstart='
  apt-get update && apt-get install -y build-essential git
  git clone -b "$BRANCH" /root/remit.bundle remit && cd remit
  make test; echo "== make test: exit $?"
  make demo; echo "== make demo: exit $?"
'
echo "fresh Debian 12 in $root, branch $branch; log in $log"
unshare --mount --propagation private sh -eu -c '
  root=$1 branch=$2 script=$3
  mount --bind "$root" "$root"
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount --rbind /sys "$root/sys"
  cd "$root/root"
  env -i HOME=/root TERM=dumb LANG=C.UTF-8 BRANCH="$branch" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    chroot "$root" /bin/sh -c "cd /root && $script"
' sh "$root" "$branch" "$quickstart" >"$log" 2>&1 || true

test=$(sed -n 's/^== make test: exit //p' "$log")
demo=$(sed -n 's/^== make demo: exit //p' "$log")
grep -E '^\[====\] Synthesis|^demo (passed|FAILED)' "$log" || true
echo "make test: exit ${test:-?}; make demo: exit ${demo:-?}"
[ "$test" = 0 ] && [ "$demo" = 0 ]
