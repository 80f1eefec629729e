// Running a peer benchmark in the same run: RocksDB's db_bench (Debian
// package rocksdb-tools) on a temporary directory, parsed for ops/sec.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "../test/support/temp_directory.hpp"

namespace tillroll::bench {

using test::temp_directory;

/// ops/sec of the named db_bench benchmark (the best, when it ran several
/// times), or nothing if db_bench is missing or printed no figure.
inline std::optional<double> db_bench(const std::string& benchmark,
                                      const std::string& flags) {
  temp_directory directory;
  auto command =
      "db_bench --db=" + directory.path().string() + " " + flags + " 2>&1";
  auto* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr)
    return std::nullopt;
  std::optional<double> result;
  char line[4096];
  while (std::fgets(line, sizeof(line), pipe) != nullptr) {
    std::string text{line};
    if (text.rfind(benchmark, 0) != 0)
      continue;
    auto ops = text.find(" ops/sec");
    if (ops == std::string::npos)
      continue;
    auto start = text.rfind(' ', ops - 1);
    auto figure = std::stod(text.substr(start + 1, ops - start - 1));
    result = std::max(result.value_or(0.0), figure);
  }
  pclose(pipe);
  return result;
}

/// A peer script of bench/peers/ run with its arguments: the figure on
/// its first line, or nothing if the peer is missing or failed.
inline std::optional<double> peer_script(const std::string& script, int clients,
                                         const std::string& amount) {
  auto command = std::string{TILLROLL_BENCH_DIR} + "/peers/" + script + " " +
                 std::to_string(clients) + " " + amount + " 2>/dev/null";
  auto* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr)
    return std::nullopt;
  char line[256] = {};
  std::optional<double> result;
  if (std::fgets(line, sizeof(line), pipe) != nullptr && line[0] != '\n')
    result = std::atof(line);
  pclose(pipe);
  if (result && *result <= 0)
    result.reset();
  return result;
}

inline std::string ratio(double ours, std::optional<double> theirs) {
  return theirs ? fmt::format("{:.0f} ({:.1f}x)", *theirs, ours / *theirs)
                : std::string{"n/a"};
}

} // namespace tillroll::bench
