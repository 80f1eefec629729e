// How tillroll configures CAF's actor system, in one place for the node,
// the tests and the benchmarks.
#pragma once

#include <caf/fwd.hpp>

#include <cstddef>

namespace tillroll {

/// Worker threads, a quiet logger, tillroll's error category, and the
/// scheduler tuned for messages that cross threads (journal callbacks).
void configure_actor_system(caf::actor_system_config& config,
                            size_t scheduler_threads);

} // namespace tillroll
