# cryptolake_layer(<target> <layer>)
# Makes <target> (already added with add_library) the library of one layer:
#  - its PUBLIC include directory is include/<layer>/ and nothing else, so a target sees
#    only the public headers of itself and of the layers it links; internal headers stay
#    beside their .cc (found through the including file's own directory, never through an
#    include path), so no other target can reach them;
#  - alias cryptolake::<layer>, the same name an installed package exports.
# Generated public headers of a layer go to ${PROJECT_BINARY_DIR}/include/<layer>/.
function(cryptolake_layer target layer)
  get_target_property(type ${target} TYPE)
  set(scope PUBLIC)
  if(type STREQUAL "INTERFACE_LIBRARY")
    set(scope INTERFACE)
  endif()
  target_include_directories(${target} ${scope}
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include/${layer}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  if(EXISTS ${PROJECT_BINARY_DIR}/include/${layer})
    target_include_directories(${target} ${scope}
      $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include/${layer}>)
  endif()
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${layer})
  add_library(cryptolake::${layer} ALIAS ${target})
endfunction()

# cryptolake_add_test(<name> SOURCES <files...> LIBS <targets...> [LABELS <labels...>]
#                     [PREFIX <prefix>])
# Builds one GoogleTest executable and registers it with CTest. Tests are
# discovered per test case so ctest -R can select single cases; PREFIX is put
# before each case's ctest name (e.g. "rest." so ctest -R rest selects a layer).
include(GoogleTest)
function(cryptolake_add_test name)
  cmake_parse_arguments(ARG "" "PREFIX" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main Threads::Threads)
  target_compile_definitions(${name} PRIVATE
    CRYPTOLAKE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    CRYPTOLAKE_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(ARG_PREFIX)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 TEST_PREFIX ${ARG_PREFIX})
  else()
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60)
  endif()
  # Labels are applied by a script that runs after discovery, because
  # gtest_discover_tests(PROPERTIES LABELS a;b) keeps only the first label.
  if(ARG_LABELS)
    set(label_script ${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake)
    file(WRITE ${label_script}
      "if(${name}_TESTS)\n  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${ARG_LABELS}\")\nendif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${label_script})
  endif()
  # Tests labelled tsan/asan are also built and run by the sanitizer presets.
  if("tsan" IN_LIST ARG_LABELS)
    add_dependencies(cryptolake_tsan_tests ${name})
  endif()
  if("asan" IN_LIST ARG_LABELS)
    add_dependencies(cryptolake_asan_tests ${name})
  endif()
endfunction()
