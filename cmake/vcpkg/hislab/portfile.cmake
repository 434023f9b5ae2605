# vcpkg port for HiSlab (header-only). Registry use: copy this directory into a registry's
# ports/; overlay use: vcpkg install hislab --overlay-ports=cmake/vcpkg.
# At each release, cmake/vcpkg/update_port.sh sets "version" in vcpkg.json and SHA512 below from
# the release tarball (GitHub's archive of tag v<version>).
vcpkg_from_github(
  OUT_SOURCE_PATH SOURCE_PATH
  REPO hislab/hislab
  REF "v${VERSION}"
  SHA512 0
  HEAD_REF main)

set(VCPKG_BUILD_TYPE release)  # header-only: no debug tree

vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS -DHISLAB_BUILD_TESTS=OFF -DHISLAB_BUILD_EXAMPLES=OFF -DHISLAB_BUILD_BENCH=OFF -DHISLAB_INSTALL=ON)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(PACKAGE_NAME hislab CONFIG_PATH share/cmake/hislab)
vcpkg_fixup_pkgconfig()
# The licenses go to share/hislab/copyright (below), not to share/doc.
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/doc")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE-MIT" "${SOURCE_PATH}/LICENSE-APACHE")
