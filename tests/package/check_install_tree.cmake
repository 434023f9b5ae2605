# The install tree is what a header-only package should be (the vcpkg port installs it as is):
# headers, the CMake config and hislab.pc under share/, the licenses; no lib/ (empty or not), no
# debug tree. Also: the vcpkg port's version is the project's.
#   cmake -DPREFIX=<install prefix> -DSOURCE_DIR=<checkout> -DVERSION=<project version> -P this
foreach(f include/hislab/hislab.hpp share/cmake/hislab/hislabConfig.cmake
          share/cmake/hislab/hislabConfigVersion.cmake share/pkgconfig/hislab.pc
          share/doc/hislab/LICENSE-MIT share/doc/hislab/LICENSE-APACHE)
  if(NOT EXISTS "${PREFIX}/${f}")
    message(FATAL_ERROR "install tree lacks ${f}")
  endif()
endforeach()
foreach(d lib lib64 bin debug)
  if(EXISTS "${PREFIX}/${d}")
    message(FATAL_ERROR "a header-only install has no ${d}/: ${PREFIX}/${d}")
  endif()
endforeach()
file(READ "${SOURCE_DIR}/cmake/vcpkg/hislab/vcpkg.json" manifest)
string(JSON port_version GET "${manifest}" version)
if(NOT port_version STREQUAL VERSION)
  message(FATAL_ERROR "cmake/vcpkg/hislab/vcpkg.json says ${port_version}, the project is ${VERSION}")
endif()
file(READ "${SOURCE_DIR}/cmake/vcpkg/hislab/portfile.cmake" port)
foreach(needed "vcpkg_from_github(" "REF \"v\${VERSION}\"" "set(VCPKG_BUILD_TYPE release)" "vcpkg_cmake_config_fixup("
               "vcpkg_install_copyright(" "/usage\"")
  string(FIND "${port}" "${needed}" at)
  if(at LESS 0)
    message(FATAL_ERROR "the vcpkg portfile lacks ${needed}")
  endif()
endforeach()
message(STATUS "install tree and vcpkg port: ok")
