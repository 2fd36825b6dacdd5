# `make package`: Debian packages built with CPack (docs/operations.md describes them).
#   rivet-mesh      rivetd, rivetctl, the plugins, /etc/rivet/rivet.yaml (conffile), the systemd
#                   unit, the man pages and completions contrib/ installs, the docs
#   rivet-mesh-dev  the SDK headers and the RivetSDK CMake package (arch-independent)
# Every install() rule without a COMPONENT lands in rivet-mesh; the SDK rules of RivetInstall.cmake
# say COMPONENT dev. The files only a package has (absolute paths under /etc and /lib) are in
# components excluded from a plain `cmake --install`, so `make install PREFIX=...` stays as it was.
set(RIVET_PACKAGING_DIR ${CMAKE_SOURCE_DIR}/packaging)
set(RIVET_PACKAGE_MAINTAINER
    "rivet-mesh maintainers <maintainers@users.noreply.r-seed-f1755497.example>"
    CACHE STRING "Maintainer field of the Debian packages")

# Package-only files of rivet-mesh.
install(FILES ${RIVET_PACKAGING_DIR}/rivet.yaml DESTINATION /etc/rivet
        COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_SOURCE_DIR}/config/rivetd.service DESTINATION /lib/systemd/system
        COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${RIVET_PACKAGING_DIR}/copyright DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/rivet-mesh
        COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${RIVET_PACKAGING_DIR}/changelog DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/rivet-mesh
        RENAME changelog.Debian COMPONENT deb EXCLUDE_FROM_ALL)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/rivet-mesh
        COMPONENT deb EXCLUDE_FROM_ALL FILES_MATCHING PATTERN "*.md")
# Without contrib/'s man pages (another part of the tree installs them), lintian's warning is
# overridden, saying so; with them, the override is gone and lintian checks the pages.
file(READ ${RIVET_PACKAGING_DIR}/rivet-mesh.lintian-overrides RIVET_OVERRIDES)
foreach(page rivetd rivetctl)
  if(NOT EXISTS ${CMAKE_SOURCE_DIR}/contrib/man/${page}.8 AND
     NOT EXISTS ${CMAKE_SOURCE_DIR}/contrib/man/${page}.1)
    string(APPEND RIVET_OVERRIDES "# contrib/man/ has no page for ${page} in this tree yet.\n"
                                  "rivet-mesh: no-manual-page [usr/bin/${page}]\n")
  endif()
endforeach()
file(WRITE ${CMAKE_BINARY_DIR}/rivet-mesh.lintian-overrides "${RIVET_OVERRIDES}")
install(FILES ${CMAKE_BINARY_DIR}/rivet-mesh.lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME rivet-mesh
        COMPONENT deb EXCLUDE_FROM_ALL)
# ... and of rivet-mesh-dev.
install(FILES ${RIVET_PACKAGING_DIR}/copyright
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/rivet-mesh-dev COMPONENT deb-dev EXCLUDE_FROM_ALL)
install(FILES ${RIVET_PACKAGING_DIR}/changelog DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/rivet-mesh-dev
        RENAME changelog.Debian COMPONENT deb-dev EXCLUDE_FROM_ALL)
install(FILES ${RIVET_PACKAGING_DIR}/rivet-mesh-dev.lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME rivet-mesh-dev
        COMPONENT deb-dev EXCLUDE_FROM_ALL)

# CPack reads the install components when the whole tree is configured: deferred to the end of
# the top-level CMakeLists.txt, so that rules added after this file (contrib/) are packaged too.
function(rivet_configure_package)
  set(CPACK_GENERATOR DEB)
  set(CPACK_PACKAGE_NAME rivet-mesh)
  set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
  set(CPACK_PACKAGE_CONTACT "${RIVET_PACKAGE_MAINTAINER}")
  set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
  set(CPACK_STRIP_FILES ON)
  set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR})
  set(CPACK_OUTPUT_FILE_PREFIX "") # the .deb files land in the build folder itself
  # Man pages and changelogs gzipped -9n in the staging tree, as Debian wants.
  set(CPACK_PRE_BUILD_SCRIPTS ${RIVET_PACKAGING_DIR}/compress-docs.cmake)

  set(CPACK_DEB_COMPONENT_INSTALL ON)
  set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
  get_cmake_property(RIVET_INSTALL_COMPONENTS COMPONENTS)
  list(APPEND RIVET_INSTALL_COMPONENTS deb deb-dev) # EXCLUDE_FROM_ALL ones are not listed
  list(REMOVE_DUPLICATES RIVET_INSTALL_COMPONENTS)
  set(CPACK_COMPONENTS_ALL ${RIVET_INSTALL_COMPONENTS})

  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # <name>_<version>-<release>_<arch>.deb
  set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
  set(CPACK_DEBIAN_PACKAGE_SECTION net)
  set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
  set(CPACK_DEBIAN_PACKAGE_SOURCE rivet-mesh)
  set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${RIVET_PACKAGE_MAINTAINER}")
  set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

  set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME rivet-mesh)
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "adduser")
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS "avahi-daemon")
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA
      ${RIVET_PACKAGING_DIR}/conffiles ${RIVET_PACKAGING_DIR}/postinst ${RIVET_PACKAGING_DIR}/prerm
      ${RIVET_PACKAGING_DIR}/postrm)
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION ON)
  set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
    "mesh of AI agent hosts over mutual TLS
rivet-mesh runs one daemon, rivetd, on each machine. It loads plugins at
start-up (a mutual-TLS transport, a discovery mode and any number of agents:
echo, command, OpenAI- and Anthropic-compatible LLMs) and lets an agent on
one node hand a task to an agent on another node. rivetctl pings nodes,
sends tasks, and runs the mesh's certificate authority.

This package runs rivetd under systemd as the system user rivet, with the
configuration in /etc/rivet/rivet.yaml and its state under /var/lib/rivet.")

  set(CPACK_DEBIAN_DEV_PACKAGE_NAME rivet-mesh-dev)
  set(CPACK_DEBIAN_DEV_PACKAGE_ARCHITECTURE all)
  set(CPACK_DEBIAN_DEV_PACKAGE_SECTION devel)
  set(CPACK_DEBIAN_DEV_DESCRIPTION
    "SDK for building rivet-mesh plugins
The C ABI and C++ headers of the rivet-mesh plugin SDK, a fake host for unit
tests of a plugin, and the RivetSDK CMake package: find_package(RivetSDK),
then rivet_add_plugin(NAME hello KIND agent SOURCES hello.cpp) builds a
plugin that rivetd loads. The guide: plugin-guide.md in rivet-mesh's docs.")
  set(CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "rivet-mesh")

  include(CPack)
  foreach(component IN LISTS RIVET_INSTALL_COMPONENTS)
    if(component STREQUAL "dev" OR component STREQUAL "deb-dev")
      cpack_add_component(${component} GROUP dev)
    else()
      cpack_add_component(${component} GROUP runtime)
    endif()
  endforeach()
  cpack_add_component_group(runtime)
  cpack_add_component_group(dev)
endfunction()
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL rivet_configure_package)
