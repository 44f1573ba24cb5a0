#!/bin/sh
# tests/foreign-base.sh ARCH TRIPLET OUT.tar: the root filesystem of the
# engines suite's user image for a foreign architecture (arm64): Debian's
# busybox-static and nats-server for ARCH (apt-get download: they cannot be
# installed beside the host's), and the C library nats-server links to, from
# the cross toolchain's libc6-ARCH-cross (/usr/TRIPLET/lib).
set -eu
arch=$1 triplet=$2 out=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download -q "busybox-static:$arch" "nats-server:$arch" >/dev/null 2>&1 ||
  { apt-get update -qq >/dev/null 2>&1; apt-get download -q "busybox-static:$arch" "nats-server:$arch"; }
mkdir -p root/bin root/usr/sbin root/lib root/etc root/tmp root/proc root/dev root/sys root/run
# Unpacked whole: Debian 13 (merged /usr) has busybox in /usr/bin, 12 in /bin.
dpkg-deb -x busybox-static_*.deb bb && dpkg-deb -x nats-server_*.deb nats
cp "$(ls bb/bin/busybox bb/usr/bin/busybox 2>/dev/null | head -n 1)" root/bin/busybox
cp nats/usr/sbin/nats-server root/usr/sbin/nats-server
chmod 755 root/bin/busybox root/usr/sbin/nats-server
for name in sh cat sleep ls; do ln -s busybox "root/bin/$name"; done
# nats-server's interpreter and libc.so.6, where its program header and the
# loader's default path for the triplet look.
interp=$(readelf -l root/usr/sbin/nats-server | sed -n 's/.*interpreter: \(.*\)]/\1/p')
mkdir -p "root$(dirname "$interp")" "root/lib/$triplet"
cp "/usr/$triplet/lib/$(basename "$interp")" "root$interp"
cp "/usr/$triplet/lib/libc.so.6" "root/lib/$triplet/"
printf 'port: {\n' > root/etc/bad.conf
tar -C root -cf "$out.tmp" . && mv "$out.tmp" "$out"
