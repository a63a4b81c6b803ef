# Writes OUT, a header defining TICKLAB_CODE_VERSION as "<VERSION>+<git describe>" (or "<VERSION>"
# outside a git checkout), and TEXT_OUT, the same version as one line of text beside the tools
# (bin/ticklab-code-version), which Python's ticklab.pipeline.lineage.code_version() reads instead
# of running git: the lineage of every layer then names the build that computed it.
# Run at every build (not only at configure), so the version recorded in lineage follows commits;
# the header is replaced only when its text changes, so an unchanged version recompiles nothing.
execute_process(
  COMMAND git describe --always --dirty --tags
  WORKING_DIRECTORY ${SOURCE_DIR}
  OUTPUT_VARIABLE described
  OUTPUT_STRIP_TRAILING_WHITESPACE
  ERROR_QUIET)
if(described)
  set(version "${VERSION}+${described}")
else()
  set(version "${VERSION}")
endif()
file(WRITE "${OUT}.tmp" "#define TICKLAB_CODE_VERSION \"${version}\"\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
file(REMOVE "${OUT}.tmp")
if(TEXT_OUT)
  file(WRITE "${TEXT_OUT}.tmp" "${version}\n")
  execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${TEXT_OUT}.tmp" "${TEXT_OUT}")
  file(REMOVE "${TEXT_OUT}.tmp")
endif()
