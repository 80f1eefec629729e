#include "actors/system_config.hpp"

#include "actors/caf_error.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

namespace tillroll {

void configure_actor_system(caf::actor_system_config& config,
                            size_t scheduler_threads) {
  config.set("scheduler.max-threads", scheduler_threads);
  config.set("logger.verbosity", caf::atom("quiet"));
  // One shared run queue, not CAF's work stealing: a thief takes the tail
  // of another worker's queue by walking it from the head under both of
  // its locks, so when a burst of timers (a million SKUs passivating
  // together) fills one queue, every steal costs its length and the node
  // stalled for seconds. On 2 cores the shared queue matches stealing on
  // the hot-SKU and checkout benchmarks and has no such cliff.
  config.set("scheduler.policy", caf::atom("sharing"));
  add_error_category(config);
}

} // namespace tillroll
