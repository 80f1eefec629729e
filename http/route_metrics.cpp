#include "http/route_metrics.hpp"

#include <algorithm>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <string>

namespace tillroll {

namespace {

// 429 is counted on its own too: a rate limit or a full checkout queue
// biting shows per route.
constexpr const char* status_classes[] = {"0xx", "1xx", "2xx", "3xx",
                                          "4xx", "5xx", "429"};
constexpr size_t rate_limited_class = 6;

/// Upper bounds of the latency buckets in seconds, 0.5 ms to 10 s.
const prometheus::Histogram::BucketBoundaries latency_buckets_seconds{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1,    0.25,  0.5,    1,     2.5,  5,     10};

/// The metric in `slot`, made by `make` the first time. Two threads making
/// it at once get the same one: a family gives the metric it has for the
/// same labels.
template <class Metric, class Make>
Metric& made(std::atomic<Metric*>& slot, Make make) {
  auto* metric = slot.load(std::memory_order_acquire);
  if (metric == nullptr) {
    metric = &make();
    slot.store(metric, std::memory_order_release);
  }
  return *metric;
}

} // namespace

// A route's series are made when it first answers (in each status class),
// so /metrics lists the routes that answered, not some 60 routes' empty
// histograms of 16 lines each.
struct route_metrics::series {
  std::atomic<prometheus::Counter*> by_status_class[std::size(status_classes)] =
      {};
  std::atomic<prometheus::Histogram*> latency{nullptr};
};

route_metrics::route_metrics(prometheus::Registry& registry,
                             std::vector<route_name> routes)
    : routes_(std::move(routes)),
      requests_(
          prometheus::BuildCounter()
              .Name("tillroll_http_requests_total")
              .Help("Requests answered, by route and status class (429 also on "
                    "its own)")
              .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("tillroll_http_request_seconds")
                   .Help("Seconds from a request to its answer, by route")
                   .Register(registry)),
      unrouted_(requests_.Add(
          {{"method", ""}, {"route", "unmatched"}, {"status", "4xx"}})),
      series_(new series[routes_.size()]) {}

route_metrics::~route_metrics() = default;

void route_metrics::record(size_t route_index, unsigned status,
                           std::chrono::steady_clock::duration elapsed) {
  auto& route = routes_[route_index];
  auto& counted = series_[route_index];
  auto count = [&](size_t status_class) {
    made(
        counted.by_status_class[status_class],
        [&]() -> auto& {
          return requests_.Add({{"method", std::string{route.method}},
                                {"route", std::string{route.pattern}},
                                {"status", status_classes[status_class]}});
        })
        .Increment();
  };
  auto status_class = std::min<size_t>(status / 100, 5);
  // No answer has a status below 100: that class is counted nowhere.
  if (status_class > 0)
    count(status_class);
  if (status == 429)
    count(rate_limited_class);
  made(
      counted.latency,
      [&]() -> auto& {
        return latency_.Add({{"method", std::string{route.method}},
                             {"route", std::string{route.pattern}}},
                            latency_buckets_seconds);
      })
      .Observe(std::chrono::duration<double>(elapsed).count());
}

void route_metrics::record_unrouted() {
  unrouted_.Increment();
}

} // namespace tillroll
