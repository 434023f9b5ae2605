# Overlay port that builds from this checkout: vcpkg install hislab --overlay-ports=cmake/vcpkg
# (a registry port would use vcpkg_from_git with a pinned REF instead of SOURCE_PATH below).
set(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../../..")
set(VCPKG_BUILD_TYPE release)  # header-only: one configuration is enough

vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS -DHISLAB_BUILD_TESTS=OFF -DHISLAB_BUILD_EXAMPLES=OFF -DHISLAB_BUILD_BENCH=OFF -DHISLAB_INSTALL=ON)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(PACKAGE_NAME hislab CONFIG_PATH share/cmake/hislab)
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug" "${CURRENT_PACKAGES_DIR}/share/doc")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE-MIT" "${SOURCE_PATH}/LICENSE-APACHE")
