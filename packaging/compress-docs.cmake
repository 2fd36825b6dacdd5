# CPACK_PRE_BUILD_SCRIPTS: in the staging tree, gzip -9n the man pages and the changelogs, as
# Debian policy wants (12.1, 12.7); -n leaves out the time stamp, so a rebuild gives equal bytes.
if(NOT IS_DIRECTORY "${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
  message(FATAL_ERROR "compress-docs: no staging folder '${CPACK_TEMPORARY_INSTALL_DIRECTORY}'")
endif()
file(GLOB_RECURSE rivet_files LIST_DIRECTORIES false "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*")
foreach(doc IN LISTS rivet_files)
  if(doc MATCHES "/usr/share/man/.*[^z]$" OR doc MATCHES "/usr/share/doc/[^/]+/changelog(\\.Debian)?$")
    execute_process(COMMAND gzip -9nf "${doc}" RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "compress-docs: gzip -9n ${doc} failed (${rc})")
    endif()
  endif()
endforeach()
