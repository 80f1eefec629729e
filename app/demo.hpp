// The demo store of `make run`: on an empty data directory, demo sellers
// and buyers, a generated catalog listed by those sellers, and a few past
// orders so recommendations have something to say.
#pragma once

#include "events/expected.hpp"

#include <cstdio>

namespace tillroll {

class node;

struct demo_options {
  size_t products = 10'000;
  uint64_t seed = 2026;
};

/// Seeds `running` if its log is empty; prints the demo credentials
/// either way.
[[nodiscard]] expected<void>
seed_demo(node& running, const demo_options& options, std::FILE* out);

} // namespace tillroll
