// Callers for commands in tests: `seller("s1")` reads as who sends it.
#pragma once

#include "actors/caller.hpp"

#include <string>

namespace tillroll::testing {

inline caller seller(std::string id) {
  return {std::move(id), role::seller};
}
inline caller buyer(std::string id) {
  return {std::move(id), role::buyer};
}
inline caller admin() {
  return {"admin", role::admin};
}

} // namespace tillroll::testing
