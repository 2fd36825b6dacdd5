# rivet_add_plugin(NAME <name> KIND agent|transport|discovery SOURCES <files...>
#                  [LINK <targets...>] [NO_INSTALL])
# Builds a rivet-mesh plugin: a MODULE named <name>.so with hidden visibility, every symbol
# resolved at link time (-z defs) and only `rivet_plugin_entry` exported.
set(RIVET_PLUGIN_VERSION_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/rivet-plugin.map)

function(rivet_add_plugin)
  cmake_parse_arguments(P "NO_INSTALL" "NAME;KIND" "SOURCES;LINK" ${ARGN})
  if(NOT P_NAME OR NOT P_NAME MATCHES "^[a-z0-9-]+$")
    message(FATAL_ERROR "rivet_add_plugin: NAME '${P_NAME}' must match [a-z0-9-]+")
  endif()
  if(NOT P_KIND MATCHES "^(agent|transport|discovery)$")
    message(FATAL_ERROR "rivet_add_plugin(${P_NAME}): KIND must be agent, transport or discovery")
  endif()
  if(NOT P_SOURCES)
    message(FATAL_ERROR "rivet_add_plugin(${P_NAME}): SOURCES is empty")
  endif()
  add_library(${P_NAME} MODULE ${P_SOURCES})
  set_target_properties(${P_NAME} PROPERTIES
    PREFIX "" OUTPUT_NAME ${P_NAME}
    C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
    RIVET_PLUGIN_KIND ${P_KIND})
  target_link_libraries(${P_NAME} PRIVATE Rivet::sdk ${P_LINK})
  target_link_options(${P_NAME} PRIVATE
    -Wl,-z,defs -Wl,--version-script=${RIVET_PLUGIN_VERSION_SCRIPT})
  set_property(TARGET ${P_NAME} APPEND PROPERTY LINK_DEPENDS ${RIVET_PLUGIN_VERSION_SCRIPT})
  if(DEFINED RIVET_PLUGIN_OUTPUT_DIR)
    set_target_properties(${P_NAME} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${RIVET_PLUGIN_OUTPUT_DIR})
  endif()
  if(DEFINED RIVET_WARNINGS)
    target_compile_options(${P_NAME} PRIVATE ${RIVET_WARNINGS})
  endif()
  if(NOT P_NO_INSTALL)
    if(NOT DEFINED RIVET_PLUGIN_INSTALL_DIR)
      set(RIVET_PLUGIN_INSTALL_DIR lib/rivet/plugins)
    endif()
    install(TARGETS ${P_NAME} LIBRARY DESTINATION ${RIVET_PLUGIN_INSTALL_DIR})
  endif()
endfunction()
