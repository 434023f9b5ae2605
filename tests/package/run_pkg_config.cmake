# cmake -DPREFIX=... -DWORK_DIR=... -DSOURCE_DIR=... -DCXX=... -P run_pkg_config.cmake
# Builds and runs tests/package/consumer/main.cpp with the flags `pkg-config --cflags hislab`
# gives for the installed prefix, and checks the version it reports.
find_program(PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${PREFIX}/share/pkgconfig")
execute_process(COMMAND "${PKG_CONFIG}" --cflags hislab RESULT_VARIABLE rc OUTPUT_VARIABLE cflags
                ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags hislab failed: ${err}")
endif()
if(NOT cflags MATCHES "-std=c\\+\\+20")
  message(FATAL_ERROR "the Cflags do not ask for C++20: ${cflags}")
endif()
execute_process(COMMAND "${PKG_CONFIG}" --modversion hislab OUTPUT_VARIABLE version OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT version STREQUAL WANT_VERSION)
  message(FATAL_ERROR "pkg-config says version ${version}, the project is ${WANT_VERSION}")
endif()
separate_arguments(flags UNIX_COMMAND "${cflags}")
file(MAKE_DIRECTORY "${WORK_DIR}")
execute_process(COMMAND "${CXX}" ${flags} "${SOURCE_DIR}/tests/package/consumer/main.cpp" -o "${WORK_DIR}/consumer"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building with `${cflags}` failed: ${err}")
endif()
execute_process(COMMAND "${WORK_DIR}/consumer" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the pkg-config consumer failed: ${out}")
endif()
message(STATUS "pkg-config (${cflags}): ${out}")
