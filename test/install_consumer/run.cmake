# ctest install_consumer: installs the build tree into a fresh prefix, then configures, builds and
# runs test/install_consumer against it with find_package(cryptolake).
#   cmake -DBUILD_DIR=... -DWORK_DIR=... -DCONSUMER_SOURCE_DIR=... -DGENERATOR=...
#         -DCXX_COMPILER=... [-DBUILD_TYPE=...] [-DSANITIZE=...] -P run.cmake
set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/build)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "install_consumer: failed (${rc}): ${command}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

set(options -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_PREFIX_PATH=${prefix})
if(BUILD_TYPE)
  list(APPEND options -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
endif()
if(SANITIZE)
  # The installed libraries carry the sanitizer instrumentation of this build.
  list(APPEND options -DCMAKE_CXX_FLAGS=-fsanitize=${SANITIZE}
                      -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${SANITIZE})
endif()
run(${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${consumer_build} ${options})
run(${CMAKE_COMMAND} --build ${consumer_build} -j 1)
run(${consumer_build}/consumer)
