// The node's /metrics in Prometheus text, with prometheus-cpp: what was
// recorded in the node's registry as it happened (the HTTP routes'), and
// the figures the journal, the read models and the entity registry keep
// themselves, read at each scrape rather than copied into the registry.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace prometheus {
class Registry;
} // namespace prometheus

namespace tillroll {

class journal;
class projection_runner;
class stream_counts;

/// What the node's own metrics are read from.
struct node_figures {
  const class journal& journal;
  const std::vector<std::unique_ptr<projection_runner>>& runners;
  const stream_counts& streams;
  uint64_t live_entities = 0;
  /// Per other member: its events not yet in every read model here.
  std::vector<std::pair<std::string, uint64_t>> replication_lag = {};
};

/// Every metric of `recorded` and of `figures`, as Prometheus text.
std::string render_metrics(const prometheus::Registry& recorded,
                           const node_figures& figures);

} // namespace tillroll
