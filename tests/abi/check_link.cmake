# Compiles define.cpp with DEFINE_FLAGS and use.cpp with USE_FLAGS (each comma-separated) and links them.
# EXPECT=link_error: the link must fail (the two TUs are in different ABI namespaces);
# EXPECT=link_ok: it must succeed (same flags, same namespace).
foreach(var CXX SOURCE_DIR INCLUDE_DIR WORK_DIR EXPECT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_link.cmake: ${var} not set")
  endif()
endforeach()
file(MAKE_DIRECTORY "${WORK_DIR}")
string(REPLACE "," ";" DEFINE_FLAGS "${DEFINE_FLAGS}")
string(REPLACE "," ";" USE_FLAGS "${USE_FLAGS}")
execute_process(COMMAND "${CXX}" -std=c++20 -O1 -I${INCLUDE_DIR} ${DEFINE_FLAGS} -c "${SOURCE_DIR}/define.cpp"
                        -o "${WORK_DIR}/define.o" RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling define.cpp failed: ${err}")
endif()
execute_process(COMMAND "${CXX}" -std=c++20 -O1 -I${INCLUDE_DIR} ${USE_FLAGS} -c "${SOURCE_DIR}/use.cpp"
                        -o "${WORK_DIR}/use.o" RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling use.cpp failed: ${err}")
endif()
execute_process(COMMAND "${CXX}" "${WORK_DIR}/define.o" "${WORK_DIR}/use.o" -o "${WORK_DIR}/probe"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(EXPECT STREQUAL "link_error")
  if(rc EQUAL 0)
    message(FATAL_ERROR "'${DEFINE_FLAGS}' and '${USE_FLAGS}' linked into one program: they share an ABI namespace")
  endif()
  if(NOT err MATCHES "undefined reference")
    message(FATAL_ERROR "the link failed, but not for an undefined reference: ${err}")
  endif()
  message(STATUS "link refused as expected: ${err}")
elseif(NOT rc EQUAL 0)
  message(FATAL_ERROR "'${DEFINE_FLAGS}' and '${USE_FLAGS}' should link: ${err}")
endif()
