# Finds the Debian packages of shared/TOOLCHAIN.md and wraps the ones
# without CMake configs (CAF 0.17.6) in imported targets.
find_package(Threads REQUIRED)
find_package(RocksDB CONFIG REQUIRED)
find_package(cereal CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(doctest CONFIG REQUIRED)
find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS json system)
# Howard Hinnant's date 3.0 (libhowardhinnant-date-dev): ISO time text.
find_package(date CONFIG REQUIRED)
# prometheus-cpp 1.0 (prometheus-cpp-dev): /metrics; only its core library
# is linked (the node serves /metrics itself, not with its pull server).
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)

find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
find_library(CAF_IO_LIBRARY caf_io REQUIRED)

add_library(CAF::core UNKNOWN IMPORTED)
set_target_properties(CAF::core PROPERTIES
  IMPORTED_LOCATION ${CAF_CORE_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${CAF_INCLUDE_DIR}
  INTERFACE_LINK_LIBRARIES Threads::Threads)
add_library(CAF::io UNKNOWN IMPORTED)
set_target_properties(CAF::io PROPERTIES
  IMPORTED_LOCATION ${CAF_IO_LIBRARY}
  INTERFACE_LINK_LIBRARIES CAF::core)
pkg_check_modules(XAPIAN REQUIRED IMPORTED_TARGET xapian-core)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
