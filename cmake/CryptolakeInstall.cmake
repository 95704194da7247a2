# Install rules: `cmake --install <build> --prefix <dir>` puts the metrics API, SDK and
# exporters (headers + static libraries) and a CMake package under <dir>, so another project
# uses them with
#   find_package(cryptolake 0.1 REQUIRED)
#   target_link_libraries(app PRIVATE cryptolake::metrics_sdk cryptolake::metrics_export)
# Exported targets (namespace cryptolake::): common, metrics (API), metrics_sdk, metrics_export,
# metrics_net (OTLP gRPC/HTTP, Prometheus endpoint, MetricsSetup; needs grpc++, libcurl, zlib,
# cpp-httplib and nlohmann-json, which the package config finds again), telemetry (the crypto
# instrument suite, trackers and the compatible MetricsCollector, on the metrics API).
include(CMakePackageConfigHelpers)

set(CRYPTOLAKE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/cryptolake)
set(cryptolake_installed_layers common metrics metrics_sdk metrics_export metrics_net telemetry)

foreach(layer ${cryptolake_installed_layers})
  install(TARGETS cryptolake_${layer} EXPORT cryptolakeTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/${layer}/
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  if(EXISTS ${PROJECT_BINARY_DIR}/include/${layer})
    install(DIRECTORY ${PROJECT_BINARY_DIR}/include/${layer}/
      DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  endif()
endforeach()

install(EXPORT cryptolakeTargets
  NAMESPACE cryptolake::
  DESTINATION ${CRYPTOLAKE_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/cryptolakeConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cryptolakeConfig.cmake
  INSTALL_DESTINATION ${CRYPTOLAKE_INSTALL_CMAKEDIR})
# 0.x: a minor version may break the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cryptolakeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/cryptolakeConfig.cmake
  ${PROJECT_BINARY_DIR}/cryptolakeConfigVersion.cmake
  DESTINATION ${CRYPTOLAKE_INSTALL_CMAKEDIR})
