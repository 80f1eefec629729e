# Fails the build when a pure decider includes CAF or RocksDB: the deciders
# are functions of state, command and time, run by the actors and by the
# simulator alike, so neither an actor runtime nor storage may reach them.
# Reads the compiler's dependency files of the target's objects (-MD).
# -DDEPENDENCY_DIR=<the target's CMakeFiles/<name>.dir>
file(GLOB_RECURSE depfiles "${DEPENDENCY_DIR}/*.o.d")
if(NOT depfiles)
  message(FATAL_ERROR "no dependency files under ${DEPENDENCY_DIR}: cannot check the deciders' includes")
endif()
foreach(depfile IN LISTS depfiles)
  file(READ "${depfile}" dependencies)
  string(REGEX MATCH "[^ \\\\\n]*/(caf|rocksdb)/[^ \\\\\n]*" impure "${dependencies}")
  if(impure)
    get_filename_component(object "${depfile}" NAME_WLE)
    message(FATAL_ERROR "the pure decider ${object} includes ${impure}; deciders may include neither CAF nor RocksDB")
  endif()
endforeach()
