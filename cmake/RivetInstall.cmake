# Installs the programs, the SDK headers and the RivetSDK CMake package. The SDK is the component
# `dev` (the rivet-mesh-dev package, cmake/RivetPackage.cmake); the rest goes to rivet-mesh.
include(CMakePackageConfigHelpers)
install(TARGETS rivetd rivetctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/core/include/rivet/sdk
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/rivet COMPONENT dev)
set(RIVET_SDK_CMAKE_DIR lib/cmake/RivetSDK)
file(READ ${CMAKE_SOURCE_DIR}/core/include/rivet/sdk/abi.h RIVET_ABI_TEXT)
string(REGEX MATCH "#define RIVET_ABI_MAJOR ([0-9]+)" _ ${RIVET_ABI_TEXT})
set(RIVET_ABI_MAJOR ${CMAKE_MATCH_1})
string(REGEX MATCH "#define RIVET_ABI_MINOR ([0-9]+)" _ ${RIVET_ABI_TEXT})
set(RIVET_ABI_MINOR ${CMAKE_MATCH_1})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/RivetSDKConfig.cmake.in
  ${CMAKE_BINARY_DIR}/RivetSDKConfig.cmake
  INSTALL_DESTINATION ${RIVET_SDK_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/RivetSDKConfigVersion.cmake
  VERSION ${RIVET_ABI_MAJOR}.${RIVET_ABI_MINOR} COMPATIBILITY SameMajorVersion
  ARCH_INDEPENDENT) # headers only: rivet-mesh-dev is Architecture: all
install(FILES ${CMAKE_BINARY_DIR}/RivetSDKConfig.cmake
              ${CMAKE_BINARY_DIR}/RivetSDKConfigVersion.cmake
              ${CMAKE_SOURCE_DIR}/cmake/RivetPlugin.cmake
              ${CMAKE_SOURCE_DIR}/cmake/rivet-plugin.map
        DESTINATION ${RIVET_SDK_CMAKE_DIR} COMPONENT dev)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/config/ DESTINATION ${CMAKE_INSTALL_DATADIR}/rivet/config
        USE_SOURCE_PERMISSIONS) # the example agents' scripts stay executable
