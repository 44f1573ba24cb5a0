#!/bin/sh
# pkg/image.sh: the multi-platform image (`make image`), written byte by byte.
#
#   sh pkg/image.sh OUT.tar VERSION REVISION EPOCH SOURCE ARCH=BINARY...
#
# One OCI archive (an OCI image layout in a tar) holding an image index with
# one image per ARCH: FROM scratch, /remit only, ENTRYPOINT ["/remit", "--"],
# the OCI labels.  The same tar carries Docker's manifest.json beside it
# (as `docker save` of Docker 25 does), so Docker 20.10, which loads only
# that format, loads it too: one image per platform, tagged remit:VERSION-
# ${TARGETARCH}${TARGETVARIANT} (remit:0.2.0-amd64, remit:0.2.0-armv7).
#
# Written here with tar and sha256sum rather than by buildah: every byte is
# chosen (uncompressed layers, so no compressor's version can change them;
# names sorted, owner 0, mtime EPOCH), so the same binaries give the same
# archive anywhere, and building needs no container storage or daemon.
set -eu
out=$1 version=$2 revision=$3 epoch=$4 source=$5
shift 5
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/oci/blobs/sha256"

tarball() {  # tarball OUT DIR NAME...: a tar whose bytes depend on the files only
  t=$1 d=$2
  shift 2
  tar -C "$d" -cf "$t" --format=ustar --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime="@$epoch" --mode=a+rX,u+w,go-w "$@"
}
# blob FILE MEDIATYPE: stores FILE under its digest and prints its descriptor,
# left open (no closing brace) for a caller that adds the platform.
blob() {
  sum=$(sha256sum "$1" | cut -d' ' -f1)
  mv "$1" "$work/oci/blobs/sha256/$sum"
  printf '{"mediaType":"%s","digest":"sha256:%s","size":%s' "$2" "$sum" \
    "$(stat -c %s "$work/oci/blobs/sha256/$sum")"
}
path() {  # path DESCRIPTOR: where its blob is in the archive
  echo "$1" | sed 's/.*"digest":"sha256:\([0-9a-f]*\)".*/blobs\/sha256\/\1/'
}
platform() {  # Debian's architecture -> the OCI platform's architecture and variant
  case $1 in
    amd64) echo amd64;; arm64) echo arm64;; armhf) echo arm v7;; armel) echo arm v5;;
    i386) echo 386;; ppc64el) echo ppc64le;; mips64el) echo mips64le;; mipsel) echo mipsle;;
    *) echo "$1";;
  esac
}

labels=$(printf '"org.opencontainers.image.%s":"%s",' title remit version "$version" \
  revision "$revision" source "$source" licenses MIT created "$created" \
  description "a tiny static init for containers that rewrites exit statuses by rules")
manifests="" docker=""
for pair; do
  arch=${pair%%=*} bin=${pair#*=}
  set -- $(platform "$arch")
  variant=${2:+,\"variant\":\"$2\"}
  mkdir -p "$work/root"
  cp "$bin" "$work/root/remit"
  chmod 755 "$work/root/remit"
  tarball "$work/layer" "$work/root" remit
  diff_id=$(sha256sum "$work/layer" | cut -d' ' -f1)
  layer=$(blob "$work/layer" application/vnd.oci.image.layer.v1.tar)
  printf '{"created":"%s","architecture":"%s"%s,"os":"linux","config":{"Entrypoint":["/remit","--"],"Labels":{%s}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"%s","created_by":"make image: COPY remit-%s-%s /remit"}]}' \
    "$created" "$1" "$variant" "${labels%,}" "$diff_id" "$created" "$version" "$arch" > "$work/config"
  config=$(blob "$work/config" application/vnd.oci.image.config.v1+json)
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":%s},"layers":[%s}]}' \
    "$config" "$layer" > "$work/manifest"
  manifest=$(blob "$work/manifest" application/vnd.oci.image.manifest.v1+json)
  manifests="$manifests$manifest,\"platform\":{\"architecture\":\"$1\",\"os\":\"linux\"$variant}},"
  # Docker's format names the files by path: the blobs themselves.
  docker="$docker{\"Config\":\"$(path "$config")\",\"RepoTags\":[\"remit:$version-$1${2:-}\"],\"Layers\":[\"$(path "$layer")\"]},"
  rm -rf "$work/root"
done

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s],"annotations":{%s}}' \
  "${manifests%,}" "${labels%,}" > "$work/index"
index=$(blob "$work/index" application/vnd.oci.image.index.v1+json)
printf '{"schemaVersion":2,"manifests":[%s,"annotations":{"io.containerd.image.name":"docker.io/library/remit:%s","org.opencontainers.image.ref.name":"%s"}}]}' \
  "$index" "$version" "$version" > "$work/oci/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' > "$work/oci/oci-layout"
printf '[%s]' "${docker%,}" > "$work/oci/manifest.json"
tarball "$work/out.tar" "$work/oci" blobs index.json manifest.json oci-layout
mv "$work/out.tar" "$out"
echo "$out: image digest $(path "$index" | sed 's,blobs/sha256/,sha256:,')"
