#!/bin/sh
# Points the vcpkg port at a release: sets the version in vcpkg.json and the SHA512 of the
# release tarball in portfile.cmake. Run after the tag v<version> is published:
#   cmake/vcpkg/update_port.sh 0.1.0 hislab-0.1.0.tar.gz   # the tarball GitHub serves for the tag
set -eu
[ $# -eq 2 ] || { echo "usage: $0 VERSION TARBALL" >&2; exit 2; }
dir=$(dirname "$0")/hislab
sha=$(sha512sum "$2" | cut -d' ' -f1)
sed -i "s/^  SHA512 .*/  SHA512 $sha/" "$dir/portfile.cmake"
sed -i "s/\"version\": \"[^\"]*\"/\"version\": \"$1\"/" "$dir/vcpkg.json"
echo "port set to $1 (SHA512 $sha)"
