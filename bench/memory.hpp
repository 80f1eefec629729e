// What the benchmarks' own process holds in memory, from /proc/self/status
// (Linux): the resident set now and at its peak, and a directory's size on
// disk.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace tillroll::bench {

/// Bytes of the /proc/self/status field `name` ("VmRSS", "VmHWM"), 0 if
/// it cannot be read.
inline uint64_t status_bytes(const std::string& name) {
  std::ifstream status{"/proc/self/status"};
  std::string field;
  while (status >> field) {
    if (field == name + ":") {
      uint64_t kilobytes = 0;
      status >> kilobytes;
      return kilobytes * 1024;
    }
    std::getline(status, field);
  }
  return 0;
}

inline uint64_t resident_bytes() {
  return status_bytes("VmRSS");
}
inline uint64_t peak_resident_bytes() {
  return status_bytes("VmHWM");
}

inline double mebibytes(uint64_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

/// Bytes of the regular files under `directory`.
inline uint64_t directory_bytes(const std::filesystem::path& directory) {
  uint64_t total = 0;
  std::error_code ignored;
  for (auto& entry :
       std::filesystem::recursive_directory_iterator{directory, ignored})
    if (entry.is_regular_file(ignored))
      total += entry.file_size(ignored);
  return total;
}

} // namespace tillroll::bench
