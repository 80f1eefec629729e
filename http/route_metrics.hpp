// Requests and their latency per route, recorded as each is answered, in
// the node's Prometheus registry (prometheus-cpp):
// tillroll_http_requests_total{method,route,status} by status class, and
// tillroll_http_request_seconds{method,route}.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

namespace prometheus {
class Counter;
class Histogram;
class Registry;
template <typename T> class Family;
} // namespace prometheus

namespace tillroll {

/// What a route's series are labelled with: its method and its pattern
/// (/v1/products/{id}).
struct route_name {
  std::string_view method;
  std::string_view pattern;
};

class route_metrics {
public:
  /// `routes` outlive it; a route's index is its index there.
  route_metrics(prometheus::Registry& registry, std::vector<route_name> routes);
  ~route_metrics();
  route_metrics(const route_metrics&) = delete;
  route_metrics& operator=(const route_metrics&) = delete;

  /// Counts an answer of route `route_index`, `elapsed` after its request
  /// came. Safe from any thread.
  void record(size_t route_index, unsigned status,
              std::chrono::steady_clock::duration elapsed);
  /// Counts a request that matched no route (a 404 or a 405).
  void record_unrouted();

private:
  struct series;

  std::vector<route_name> routes_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Counter& unrouted_;
  std::unique_ptr<series[]> series_;
};

} // namespace tillroll
