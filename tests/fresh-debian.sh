#!/bin/sh
# tests/fresh-debian.sh: the README's quick start on a fresh Debian 12 or 13.
#
# Unpacks a pristine Debian root (debootstrap --include=build-essential,git
# RELEASE, kept as a tarball), clones a branch of this repository into it and
# runs the README's quick start as root in the chroot: apt-get, git clone,
# `make test`, then `make demo`.  The chroot is set up as the README says a
# chroot needs: its root bind-mounted onto itself, /proc, /dev and /sys
# mounted.  All of it happens in a mount namespace of its own, so nothing
# stays mounted on the host; the copy is removed at the end.
#
#   sh tests/fresh-debian.sh [RELEASE [BRANCH]]
#                   RELEASE: bookworm (Debian 12, the default) or trixie (13);
#                   BRANCH: a branch or tag (default: the checked-out branch)
#   ROOT_TAR=FILE   the pristine root (default
#                   /var/cache/remit-fresh/RELEASE.tar); made with
#                   debootstrap when the file does not exist
#   KEEP=1          keep the copy (its path is printed) to look inside
# The .deb files apt-get fetches are kept in /var/cache/remit-fresh/
# RELEASE-apt (mounted as the root's apt archive), so a rerun downloads
# nothing; each run still installs them into a pristine root.
# Not part of make test: it needs root and the network, and takes a while.
# The log of the run is in /var/tmp/remit-fresh-RELEASE.log.
set -eu
cd "$(dirname "$0")/.."
release=${1:-bookworm}
branch=${2:-$(git rev-parse --abbrev-ref HEAD)}
case $release in
  bookworm) debian=12;; trixie) debian=13;;
  *) echo "fresh-debian.sh: unknown release '$release' (bookworm or trixie)" >&2; exit 2;;
esac
tar=${ROOT_TAR:-/var/cache/remit-fresh/$release.tar}
log=/var/tmp/remit-fresh-$release.log
[ "$(id -u)" = 0 ] || { echo "fresh-debian.sh: needs root (debootstrap, chroot, mount)" >&2; exit 1; }
git rev-parse --verify -q "$branch^{commit}" >/dev/null ||
  { echo "fresh-debian.sh: no branch or tag '$branch'" >&2; exit 2; }

if [ ! -f "$tar" ]; then
  command -v debootstrap >/dev/null || apt-get install -y debootstrap
  made=$(mktemp -d /var/tmp/$release.XXXXXX)
  debootstrap --include=build-essential,git "$release" "$made"
  mkdir -p "$(dirname "$tar")"
  tar -C "$made" -cpf "$tar.part" . && mv "$tar.part" "$tar"
  rm -rf --one-file-system "$made"
fi

debs=/var/cache/remit-fresh/$release-apt
mkdir -p "$debs/partial"
root=$(mktemp -d /var/tmp/remit-fresh.XXXXXX)
cleanup() {
  # The mounts lived in the namespace below: here these are plain
  # directories.  Refuse to delete through a mount all the same.
  for m in proc dev sys var/cache/apt/archives; do
    if mountpoint -q "$root/$m"; then echo "fresh-debian.sh: $root/$m still mounted; not removing $root" >&2; return; fi
  done
  rm -rf --one-file-system "$root"
}
if [ "${KEEP:-0}" = 1 ]; then echo "the root stays in $root"; else trap cleanup EXIT; fi
tar -C "$root" -xpf "$tar"
# mktemp -d made both this copy and the debootstrap target 0700 (and tar
# keeps that for "./"): a real / is 0755, or nobody (tests run as uid
# 65534) could reach no library.
chmod 755 "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"  # apt-get inside needs DNS
git bundle create "$root/root/remit.bundle" "$branch" 2>/dev/null

# The quick start, as the README has it (make test before make demo, so
# that make test starts from nothing but build-essential and git).
quickstart='
  apt-get update && apt-get install -y build-essential git
  git clone -b "$BRANCH" /root/remit.bundle remit && cd remit
  t=$(date +%s); make test; echo "== make test: exit $? ($(($(date +%s) - t)) s)"
  t=$(date +%s); make demo; echo "== make demo: exit $? ($(($(date +%s) - t)) s)"
'
echo "fresh Debian $debian ($release) in $root, branch $branch; log in $log"
unshare --mount --propagation private sh -eu -c '
  root=$1 branch=$2 script=$3 debs=$4
  mount --bind "$root" "$root"
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount --rbind /sys "$root/sys"
  mount --bind "$debs" "$root/var/cache/apt/archives"
  cd "$root/root"
  env -i HOME=/root TERM=dumb LANG=C.UTF-8 BRANCH="$branch" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    chroot "$root" /bin/sh -c "cd /root && $script"
' sh "$root" "$branch" "$quickstart" "$debs" >"$log" 2>&1 || true

test=$(sed -n 's/^== make test: exit \([0-9]*\).*/\1/p' "$log")
demo=$(sed -n 's/^== make demo: exit \([0-9]*\).*/\1/p' "$log")
grep -E '^\[====\] Synthesis|^test-arch:|^demo (passed|FAILED)|^== make' "$log" || true
echo "make test: exit ${test:-?}; make demo: exit ${demo:-?}"
[ "$test" = 0 ] && [ "$demo" = 0 ]
