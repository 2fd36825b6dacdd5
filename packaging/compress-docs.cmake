# CPACK_PRE_BUILD_SCRIPTS: in the staging tree, gzip -9n the man pages and the changelogs, as
# Debian policy wants (12.1, 12.7); -n leaves out the time stamp, so a rebuild gives equal bytes.
file(GLOB_RECURSE rivet_docs LIST_DIRECTORIES false
     "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*/share/man/*"
     "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*/share/doc/*/changelog")
foreach(doc IN LISTS rivet_docs)
  if(doc MATCHES "\\.gz$")
    continue()
  endif()
  execute_process(COMMAND gzip -9nf "${doc}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "compress-docs: gzip -9n ${doc} failed (${rc})")
  endif()
endforeach()
