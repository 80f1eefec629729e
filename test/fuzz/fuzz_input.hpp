// What the harnesses share: the input as text, and the check that a
// refusal becomes an answer a client can read.
#pragma once

#include "events/expected.hpp"
#include "http/errors.hpp"

#include <boost/json/parse.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace tillroll::fuzz {

inline std::string_view text_of(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Stops the run (a finding) when `holds` is false: an assert would vanish
/// with NDEBUG, and libFuzzer saves the input of any abort.
inline void require(bool holds, const char* what) {
  if (!holds) {
    std::fprintf(stderr, "fuzz: broken: %s\n", what);
    std::abort();
  }
}

/// A refused input must be answered 4xx with a JSON error body in UTF-8,
/// whatever bytes the message echoes.
inline void require_client_error(const failure& problem) {
  auto response = failure_response(problem);
  require(response.status >= 400 && response.status < 500,
          "a refused input is a 4xx");
  boost::json::error_code error;
  auto parsed = boost::json::parse(response.body, error);
  require(!error && parsed.is_object(), "an error body is a JSON object");
}

} // namespace tillroll::fuzz
