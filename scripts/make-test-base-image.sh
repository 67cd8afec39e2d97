#!/usr/bin/env bash
# Makes a minimal Debian bookworm image with python3, from Debian's packages only, for
# building app/ on machines that reach Debian's mirror but no container registry.
# Usage: scripts/make-test-base-image.sh [TAG]   (root, debootstrap and a Docker daemon needed)
# Does nothing when TAG already exists, so callers can run it every time.
set -euo pipefail
# debootstrap lives in /usr/sbin, which is not on every non-login PATH.
export PATH="$PATH:/usr/sbin:/sbin"

tag=${1:-berth-test-base:bookworm}

if docker image inspect "$tag" >/dev/null 2>&1; then
    echo "base image $tag already present"
    exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    echo "debootstrap is not installed; install it with: apt-get install -y debootstrap" >&2
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    echo "debootstrap needs root to build $tag; run this script as root" >&2
    exit 1
fi

rootfs=$(mktemp -d /tmp/berth-base.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

echo "building base image $tag with debootstrap (about a minute)"
# DEBIAN_MIRROR overrides debootstrap's default mirror, e.g. for a local proxy.
debootstrap --variant=minbase --include=python3 bookworm "$rootfs" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} >"$rootfs.log" 2>&1 \
    || { tail -20 "$rootfs.log" >&2; rm -f "$rootfs.log"; exit 1; }
rm -f "$rootfs.log"
# Package caches only make the image bigger.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import --change 'CMD ["python3"]' - "$tag"
echo "base image $tag built"
