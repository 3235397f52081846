#!/usr/bin/env bash
# A local stand-in for the service's runtime base image, gcr.io/distroless/cc-debian12, for
# machines that reach package registries but no image registry. Assembled the way distroless
# assembles it: the data of a few Debian 12 (bookworm) packages, unpacked with `dpkg-deb -x` (no
# maintainer scripts, no dpkg, no shell, no package manager), each described by a file in
# /var/lib/dpkg/status.d/ (its control fields), where image scanners (Trivy, syft) read the
# package set:
#   base-files netbase tzdata       /etc/os-release, /etc/services and friends, the zone database
#   ca-certificates                 only the certificates: /usr/share/ca-certificates and the bundle
#                                   /etc/ssl/certs/ca-certificates.crt made from them
#   libc6 libgcc-s1 gcc-12-base     glibc, libgcc_s and libstdc++: all that the node binary links
#   libstdc++6 libgomp1 libssl3     (libgomp1 and libssl3 are in distroless's cc image too)
# plus /etc/passwd and /etc/group with root, nonroot (65532) and nobody, /etc/nsswitch.conf,
# /tmp (1777) and SSL_CERT_FILE, as distroless has them. Docs (but the copyright files), man pages
# and locales are left out. The versions are bookworm's (with its security updates) on the day of
# the build; the image's description names them.
# Stored as localhost/distroless-cc:debian12, labelled with the hash of this file and
# local/image/lib.sh: it is rebuilt only when this recipe changes.
# Usage: bash local/image/runtime-base.sh   -> one line: the image, cached or built.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=local/containers.sh
source "$ROOT/local/containers.sh"
# shellcheck source=local/image/lib.sh
source "$ROOT/local/image/lib.sh"

RUNTIME_IMAGE_NAME=localhost/distroless-cc:debian12
PACKAGES=(base-files netbase tzdata ca-certificates libc6 libgcc-s1 gcc-12-base libstdc++6 libgomp1 libssl3)
RECIPE=$(recipe_of_script "${BASH_SOURCE[0]}")

build_runtime_base() {
  local t0 download="$BASE_WORK/download" rootfs="$BASE_WORK/rootfs" archives pkg deb versions=() sources
  t0=$(now)
  # mmdebstrap only fetches here: its "extract" variant downloads the packages (and the
  # dependencies apt wants, such as debconf and openssl, which are not unpacked below) into its
  # own tree; the .debs stay in its apt cache.
  sources=$(debian_sources)
  # shellcheck disable=SC2086 # no sources file: no argument
  run_logged "mmdebstrap download" "$BASE_LOG" mmdebstrap --variant=extract --format=directory \
    --include="$(IFS=,; echo "${PACKAGES[*]}")" --skip=cleanup/apt/cache "$DEBIAN_SUITE" "$download" $sources
  archives="$download/var/cache/apt/archives"

  mkdir -p "$rootfs/var/lib/dpkg/status.d"
  for pkg in "${PACKAGES[@]}"; do
    deb=$(find "$archives" -maxdepth 1 -name "${pkg}_*.deb" | head -n1)
    [ -n "$deb" ] || die "mmdebstrap downloaded no $pkg package (log: $BASE_LOG)"
    dpkg-deb -x "$deb" "$rootfs"
    dpkg-deb -f "$deb" >"$rootfs/var/lib/dpkg/status.d/$pkg"
    versions+=("$pkg=$(dpkg-deb -f "$deb" Version)")
  done
  # The certificate bundle update-ca-certificates would write (every certificate the package
  # ships); its script and configuration have no use without a shell.
  find "$rootfs/usr/share/ca-certificates" -name '*.crt' | LC_ALL=C sort | xargs cat >"$rootfs/etc/ssl/certs/ca-certificates.crt"
  rm -f "$rootfs/usr/sbin/update-ca-certificates"
  # Documentation but the copyright files, man pages, locales, and what the packages ship for tools
  # that are not here.
  find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
  rm -rf "$rootfs"/usr/share/{man,info,lintian,locale,bug} "$rootfs"/usr/share/gcc "$rootfs"/usr/share/gdb
  find "$rootfs/usr/share" -depth -type d -empty -delete

  # Users, name service switch, the writable scratch directory.
  mkdir -p "$rootfs/etc" "$rootfs/root" "$rootfs/home/nonroot" "$rootfs/tmp"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$rootfs/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' >"$rootfs/etc/group"
  printf '%s\n' 'passwd: files' 'group: files' 'shadow: files' 'hosts: files dns' 'networks: files' 'protocols: files' \
    'services: files' 'ethers: files' 'rpc: files' >"$rootfs/etc/nsswitch.conf"
  chmod 0700 "$rootfs/root" "$rootfs/home/nonroot"
  chown 65532:65532 "$rootfs/home/nonroot"
  chmod 1777 "$rootfs/tmp"
  [ -x "$rootfs/lib64/ld-linux-x86-64.so.2" ] || die "no dynamic loader in the runtime base"

  commit_rootfs "$rootfs" "$RUNTIME_IMAGE_NAME" \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --label "org.opencontainers.image.description=gcr.io/distroless/cc-debian12 equivalent: ${versions[*]}"
  say "base: $RUNTIME_IMAGE_NAME (${#PACKAGES[@]} Debian packages, recipe $RECIPE) built in $(elapsed "$t0")"
}

with_image_lock "$RUNTIME_IMAGE_NAME" "${#PACKAGES[@]} Debian packages" build_runtime_base
