# Layering and build-list check (ctest check_layering; runs with scripts/test.sh).
#
#   cmake -DSOURCE_DIR=<repo> -P tools/check_layering.cmake
#
# Fails when
#  1. a file includes a public header of a layer it must not see. Each layer's public headers
#     live in its own include root, include/<layer>/cryptolake/...; kLayerDeps below is the
#     architecture (docs/architecture.md): the layers each layer may see besides itself.
#     Library code is src/<layer>/ (src/metrics/ = API, src/metrics/sdk/, src/metrics/export/,
#     src/metrics/net/)
#     and include/<layer>/. Tests (*_test.cc, *test_util.h), tools/, test/, bench/, fuzz/ and
#     python/ (the extension module, a program-like consumer) may see every layer;
#  2. a file includes a project header outside its own folder by path ("../x.h", "metrics/x.h"):
#     internal headers sit beside their .cc and are included by bare name ("epoch.h");
#  3. a public header is named that no include root holds;
#  4. a CMakeLists.txt names a source file that does not exist, or a .cc file is named by no
#     CMakeLists.txt (dead code);
#  5. a layer library (src/**/CMakeLists.txt) links a cryptolake library outside kLayerDeps.
# The compiler enforces the same rules for public headers through each target's include
# directories; this check also covers what the compiler cannot see (a path to a sibling
# folder, a link added to a layer by mistake, tests/benchmarks not built in this
# configuration).

cmake_minimum_required(VERSION 3.25)

set(kLayers common metrics metrics_sdk metrics_export metrics_net telemetry storage parquet archive lake rest gold runner testing)
set(kLayerDeps_common "")
set(kLayerDeps_metrics "")
set(kLayerDeps_metrics_sdk metrics common)
set(kLayerDeps_metrics_export metrics_sdk metrics common)
set(kLayerDeps_metrics_net metrics_export metrics_sdk metrics common)
set(kLayerDeps_telemetry common metrics)
set(kLayerDeps_storage common metrics telemetry)
set(kLayerDeps_parquet common)
set(kLayerDeps_archive common storage)
set(kLayerDeps_testing "")
set(kLayerDeps_lake common storage parquet archive metrics rest telemetry)
set(kLayerDeps_rest common metrics archive telemetry)
set(kLayerDeps_gold common storage parquet archive lake metrics telemetry)
set(kLayerDeps_runner common storage parquet archive lake rest gold metrics telemetry)
# Public headers CMake generates (cmake/*.in), by include spelling.
set(kGeneratedHeader_cryptolake/common/version.h common)

if(NOT SOURCE_DIR)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=<repo> -P check_layering.cmake")
endif()
get_filename_component(SOURCE_DIR "${SOURCE_DIR}" ABSOLUTE)
set(errors 0)
macro(report)
  string(CONCAT _message ${ARGV})
  message(NOTICE "error: ${_message}")
  math(EXPR errors "${errors} + 1")
endmacro()

# The layer a file's library code belongs to, "any" for tests and programs, "" if none.
function(file_layer rel out)
  get_filename_component(name "${rel}" NAME)
  if(rel MATCHES "^(tools|test|bench|fuzz|python)/" OR name MATCHES "(_test\\.cc|test_util\\.h)$")
    set(layer any)
  elseif(rel MATCHES "^include/([a-z_]+)/")
    set(layer ${CMAKE_MATCH_1})
  elseif(rel MATCHES "^src/metrics/(sdk|export|net)/")
    set(layer metrics_${CMAKE_MATCH_1})
  elseif(rel MATCHES "^src/([a-z_]+)/")
    set(layer ${CMAKE_MATCH_1})
  else()
    set(layer "")
  endif()
  set(${out} ${layer} PARENT_SCOPE)
endfunction()

# The layer whose include root holds public header `header` (cryptolake/...), "" if none.
function(header_layer header out)
  set(found "")
  foreach(layer ${kLayers})
    if(EXISTS "${SOURCE_DIR}/include/${layer}/${header}")
      list(APPEND found ${layer})
    endif()
  endforeach()
  if(DEFINED kGeneratedHeader_${header})
    list(APPEND found ${kGeneratedHeader_${header}})
  endif()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE sources RELATIVE "${SOURCE_DIR}"
  "${SOURCE_DIR}/include/*.h"
  "${SOURCE_DIR}/src/*.h" "${SOURCE_DIR}/src/*.cc"
  "${SOURCE_DIR}/tools/*.h" "${SOURCE_DIR}/tools/*.cc"
  "${SOURCE_DIR}/test/*.h" "${SOURCE_DIR}/test/*.cc"
  "${SOURCE_DIR}/bench/*.h" "${SOURCE_DIR}/bench/*.cc"
  "${SOURCE_DIR}/fuzz/*.h" "${SOURCE_DIR}/fuzz/*.cc"
  "${SOURCE_DIR}/python/*.h" "${SOURCE_DIR}/python/*.cc")
list(FILTER sources EXCLUDE REGEX "/node_modules/")

# Every include root is include/<layer>/ of a known layer.
file(GLOB roots RELATIVE "${SOURCE_DIR}/include" "${SOURCE_DIR}/include/*")
foreach(root ${roots})
  if(NOT root IN_LIST kLayers)
    report("include/${root}/: not the include root of a layer (known: ${kLayers})")
  endif()
endforeach()

foreach(rel ${sources})
  file_layer("${rel}" layer)
  if(layer STREQUAL "")
    report("${rel}: belongs to no layer (library code lives in src/<layer>/ and include/<layer>/)")
    continue()
  endif()
  get_filename_component(dir "${SOURCE_DIR}/${rel}" DIRECTORY)
  file(STRINGS "${SOURCE_DIR}/${rel}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]")
  foreach(line ${includes})
    if(NOT line MATCHES "#[ \t]*include[ \t]*([\"<])([^\">]+)[\">]")
      continue()
    endif()
    set(quote "${CMAKE_MATCH_1}")
    set(header "${CMAKE_MATCH_2}")
    if(header MATCHES "^cryptolake/")
      header_layer("${header}" owner)
      list(LENGTH owner owners)
      if(owners EQUAL 0)
        report("${rel}: #include \"${header}\": no include root (include/<layer>/) holds it")
      elseif(owners GREATER 1)
        report("${rel}: #include \"${header}\": held by several include roots (${owner})")
      elseif(NOT layer STREQUAL "any" AND NOT owner STREQUAL layer
             AND NOT owner IN_LIST kLayerDeps_${layer})
        set(deps ${kLayerDeps_${layer}})
        list(JOIN deps ", " deps)
        if(deps STREQUAL "")
          set(deps "no other layer")
        endif()
        report("${rel}: #include \"${header}\" is a header of layer '${owner}', "
               "but layer '${layer}' may see only itself and ${deps}")
      endif()
    elseif(quote STREQUAL "\"")
      # A project header by path: only a bare name beside the including file is allowed.
      if(header MATCHES "/")
        if(EXISTS "${dir}/${header}" OR EXISTS "${SOURCE_DIR}/src/${header}"
           OR EXISTS "${SOURCE_DIR}/${header}")
          report("${rel}: #include \"${header}\" reaches into another folder "
                 "(internal headers are included by bare name from beside their .cc, public ones "
                 "as cryptolake/...)")
        endif()
      elseif(NOT EXISTS "${dir}/${header}")
        report("${rel}: #include \"${header}\": no such file beside it")
      endif()
    endif()
  endforeach()
endforeach()

# Build lists: every source file a CMakeLists.txt names exists, every .cc is named somewhere.
file(GLOB_RECURSE lists RELATIVE "${SOURCE_DIR}"
  "${SOURCE_DIR}/src/CMakeLists.txt" "${SOURCE_DIR}/tools/CMakeLists.txt"
  "${SOURCE_DIR}/test/CMakeLists.txt" "${SOURCE_DIR}/bench/CMakeLists.txt"
  "${SOURCE_DIR}/fuzz/CMakeLists.txt" "${SOURCE_DIR}/python/CMakeLists.txt")
list(APPEND lists CMakeLists.txt)
list(FILTER lists EXCLUDE REGEX "/node_modules/")
set(named "")
foreach(list_file ${lists})
  get_filename_component(list_dir "${SOURCE_DIR}/${list_file}" DIRECTORY)
  file(STRINGS "${SOURCE_DIR}/${list_file}" lines)
  foreach(line ${lines})
    string(REGEX REPLACE "#.*$" "" line "${line}")  # Comments.
    string(REGEX MATCHALL "[A-Za-z0-9_./\${}-]+\\.(cc|cpp|c)([ \t)]|$)" tokens "${line}")
    foreach(token ${tokens})
      string(REGEX REPLACE "[ \t)]$" "" token "${token}")
      string(REPLACE "\${CMAKE_CURRENT_SOURCE_DIR}/" "" token "${token}")
      string(REPLACE "\${PROJECT_SOURCE_DIR}/" "${SOURCE_DIR}/" token "${token}")
      if(token MATCHES "\\$")
        continue()  # Built from other variables (e.g. test_file in a foreach): checked below.
      endif()
      if(IS_ABSOLUTE "${token}")
        set(path "${token}")
      else()
        set(path "${list_dir}/${token}")
      endif()
      if(NOT EXISTS "${path}")
        report("${list_file}: names ${token}, which does not exist")
      endif()
      file(RELATIVE_PATH path_rel "${SOURCE_DIR}" "${path}")
      list(APPEND named "${path_rel}")
    endforeach()
  endforeach()
endforeach()
foreach(rel ${sources})
  if(rel MATCHES "\\.cc$" AND NOT rel IN_LIST named)
    report("${rel}: named by no CMakeLists.txt (not built)")
  endif()
endforeach()

# Links of the layer libraries (src/**/CMakeLists.txt) stay inside kLayerDeps.
foreach(list_file ${lists})
  if(NOT list_file MATCHES "^src/")
    continue()
  endif()
  file(READ "${SOURCE_DIR}/${list_file}" text)
  string(REGEX REPLACE "#[^\n]*" "" text "${text}")  # Comments.
  string(REGEX MATCHALL "target_link_libraries\\([ \t\n]*cryptolake_[a-z_]+[^)]*\\)" calls
    "${text}")
  foreach(call ${calls})
    string(REGEX MATCH "^target_link_libraries\\([ \t\n]*cryptolake_([a-z_]+)" _ "${call}")
    set(layer ${CMAKE_MATCH_1})
    if(NOT layer IN_LIST kLayers)
      continue()  # A test or support target.
    endif()
    string(REGEX MATCHALL "cryptolake_[a-z_]+" linked "${call}")
    list(REMOVE_AT linked 0)
    foreach(dep ${linked})
      string(REGEX REPLACE "^cryptolake_" "" dep "${dep}")
      if(NOT dep IN_LIST kLayerDeps_${layer})
        report("${list_file}: cryptolake_${layer} links cryptolake_${dep}, "
               "which layer '${layer}' may not see")
      endif()
    endforeach()
  endforeach()
endforeach()

if(errors GREATER 0)
  message(FATAL_ERROR "check_layering: ${errors} problem(s)")
endif()
list(LENGTH sources n_sources)
list(LENGTH lists n_lists)
message(STATUS "check_layering: ${n_sources} files and ${n_lists} CMakeLists.txt OK")
