#!/bin/sh
# pkg/deb.sh: one Debian package of remit (`make deb`), built with dpkg-deb.
#
#   sh pkg/deb.sh OUT.deb ARCH BINARY VERSION EPOCH MAINTAINER HOMEPAGE
#
# Run from the repository's root (man page, README, CHANGELOG.md, LICENSE).
# No dependencies (the binary is static) and no maintainer scripts: the
# peers' names are symlinks in /usr/libexec/remit, on no PATH, so that an
# installed tini or catatonit is never replaced; a user opts in by pointing
# PATH, dockerd's --init-path or Podman's init_path there.
# Reproducible: every file's mtime is EPOCH, owners root, names sorted by
# dpkg-deb, and the gzip'd files carry no name or time (gzip -9n).
set -eu
out=$1 arch=$2 bin=$3 version=$4 epoch=$5 maintainer=$6 homepage=$7
umask 022
grep -q "^## \[$version\] - [0-9]" CHANGELOG.md ||
  { echo "pkg/deb.sh: CHANGELOG.md has no section '## [$version] - DATE'" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
doc=$root/usr/share/doc/remit
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/man/man1" "$root/usr/libexec/remit" \
  "$doc" "$root/usr/share/lintian/overrides"

install -m 755 "$bin" "$root/usr/bin/remit"
gzip -9n < man/remit.1 > "$root/usr/share/man/man1/remit.1.gz"
gzip -9n < README.md > "$doc/README.md.gz"
# docs/, which the README links to, beside it (each page compressed, as
# Debian's policy wants; the example files as they are, to copy).
mkdir -p "$doc/docs/examples"
for page in docs/*.md; do gzip -9n < "$page" > "$doc/$page.gz"; done
for file in docs/examples/*; do install -m 644 "$file" "$doc/$file"; done
for name in tini tini-static docker-init dumb-init catatonit podman-init; do
  ln -s ../../bin/remit "$root/usr/libexec/remit/$name"
done

# Static on purpose: it is copied into images that have no C library.
printf 'remit: statically-linked-binary [usr/bin/remit]\n' > "$root/usr/share/lintian/overrides/remit"

# The Debian changelog, from CHANGELOG.md: one entry per version section,
# from this version's down, its items as the entry's lines.  (A native
# package's changelog.gz must be in Debian's format.)
awk -v who="$maintainer" -v this="[$version]" '
  function close_entry() { if (v != "") { print ""; print " -- " who "  " date; print "" } }
  /^## \[/ && !on && $2 != this { next }
  /^## \[/ {
    close_entry()
    on = 1; v = $2; gsub(/[][]/, "", v)
    cmd = "date -u -R -d " $4; cmd | getline date; close(cmd)
    print "remit (" v ") unstable; urgency=medium"; print ""; next
  }
  v == "" || /^### / || /^$/ { next }
  /^- / { print "  * " substr($0, 3); next }
  /^  / { print "    " substr($0, 3); next }
  { print "  * " $0 }
  END { close_entry() }
' CHANGELOG.md | sed '$d' | gzip -9n > "$doc/changelog.gz"

# Machine-readable copyright (DEP-5).  The static binary also holds the C
# library it was linked with: musl (MIT), or glibc (LGPL) for riscv64 on
# Debian 12, which has no musl for it.
{
  printf 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n'
  printf 'Upstream-Name: remit\nSource: %s\n\n' "$homepage"
  printf 'Files: *\nCopyright: 2026 The remit authors\nLicense: Expat\n'
  printf 'Comment: /usr/bin/remit is linked statically with the C library its\n'
  printf ' architecture was built with: musl (Expat, see /usr/share/doc/musl/copyright),\n'
  printf ' or the GNU C Library (LGPL-2.1+, see /usr/share/common-licenses/LGPL-2.1).\n\n'
  printf 'License: Expat\n'
  sed -n '/^Permission/,$p' LICENSE | sed 's/^$/./; s/^/ /'
} > "$doc/copyright"

# Installed-Size as dpkg-gencontrol counts it: KiB per file, rounded up,
# and 1 per directory or symlink.
size=$(find "$root" -path "$root/DEBIAN" -prune -o ! -path "$root" -printf '%y %s\n' |
  awk '$1 == "f" { n += int(($2 + 1023) / 1024); next } { n += 1 } END { print n }')
cat > "$root/DEBIAN/control" <<EOF
Package: remit
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Section: admin
Priority: optional
Homepage: $homepage
Description: tiny init for containers that rewrites exit statuses by rules
 remit runs one program as PID 1 of a container: it passes on every signal,
 reaps zombies and exits with the program's status, rewritten by rules that
 can depend on the signal remit received: 1@TERM=0 turns nats-server's exit
 status 1 after docker stop into 0 and leaves a real failure alone.
 .
 It is one static binary with no dependencies, for COPY into images. It also
 answers to the names tini, dumb-init and catatonit with their options; those
 names are in /usr/libexec/remit, on no PATH, so they replace nothing.
EOF
(cd "$root" && find usr -type f | LC_ALL=C sort | xargs md5sum) > "$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
find "$root" -exec touch -h -d "@$epoch" {} +
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "$out"
