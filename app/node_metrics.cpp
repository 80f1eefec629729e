#include "app/node_metrics.hpp"

#include "events/histogram.hpp"
#include "events/journal.hpp"
#include "projections/projection_runner.hpp"
#include "projections/stream_counts/stream_counts.hpp"

#include <chrono>
#include <iterator>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace tillroll {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

ClientMetric labelled(std::string_view label, std::string_view value) {
  ClientMetric metric;
  metric.label.push_back({std::string{label}, std::string{value}});
  return metric;
}

MetricFamily counter(std::string name, std::string help, uint64_t value) {
  ClientMetric metric;
  metric.counter.value = static_cast<double>(value);
  return {std::move(name), std::move(help), MetricType::Counter, {metric}};
}

MetricFamily gauge(std::string name, std::string help) {
  return {std::move(name), std::move(help), MetricType::Gauge, {}};
}

void add_gauge(MetricFamily& family, ClientMetric metric, double value) {
  metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
}

/// One of the lock-free histograms (the journal's, the read models'),
/// cumulative as Prometheus wants it (the serializer adds the +Inf bucket
/// from the count), with `metric`'s labels.
ClientMetric histogram_metric(const histogram& source, ClientMetric metric) {
  auto counts = source.bucket_counts();
  uint64_t cumulative = 0;
  for (size_t index = 0; index < source.upper_bounds().size(); ++index) {
    cumulative += counts[index];
    metric.histogram.bucket.push_back(
        {cumulative, source.upper_bounds()[index]});
  }
  metric.histogram.sample_count = source.count();
  metric.histogram.sample_sum = source.sum();
  return metric;
}

MetricFamily histogram_family(std::string name, std::string help,
                              const histogram& source) {
  return {std::move(name),
          std::move(help),
          MetricType::Histogram,
          {histogram_metric(source, {})}};
}

std::vector<MetricFamily> journal_families(const journal& journal) {
  auto stats = journal.stats();
  std::vector<MetricFamily> families;
  families.push_back(counter("tillroll_journal_appends_total",
                             "Appends acknowledged by the journal",
                             stats.appends));
  families.push_back(counter("tillroll_journal_events_total", "Events appended",
                             stats.events));
  families.push_back(counter("tillroll_journal_batches_total",
                             "Write batches written", stats.batches));
  families.push_back(counter("tillroll_journal_syncs_total",
                             "Fsyncs of the write-ahead log", stats.syncs));
  families.push_back(counter("tillroll_journal_conflicts_total",
                             "Appends refused for an unexpected sequence",
                             stats.conflicts));
  families.push_back(histogram_family("tillroll_journal_batch_events",
                                      "Events made durable by one fsync",
                                      journal.batch_events()));
  families.push_back(histogram_family("tillroll_journal_fsync_seconds",
                                      "Seconds per fsync",
                                      journal.write_latency()));
  return families;
}

std::vector<MetricFamily> projection_families(
    const std::vector<std::unique_ptr<projection_runner>>& runners) {
  auto events = gauge("tillroll_projection_lag_events",
                      "Events committed but not yet applied");
  auto seconds = gauge("tillroll_projection_lag_seconds",
                       "Age of the oldest unapplied event");
  MetricFamily visible{"tillroll_projection_visibility_seconds",
                       "Seconds from an event's recording to its commit in "
                       "the read model",
                       MetricType::Histogram,
                       {}};
  for (auto& runner : runners) {
    auto metric = labelled("projection", runner->name());
    add_gauge(events, metric, static_cast<double>(runner->lag_events()));
    add_gauge(seconds, metric,
              std::chrono::duration<double>(runner->lag()).count());
    visible.metric.push_back(histogram_metric(runner->visibility(), metric));
  }
  return {std::move(events), std::move(seconds), std::move(visible)};
}

std::vector<MetricFamily> replication_families(
    const std::vector<std::pair<std::string, uint64_t>>& lags) {
  auto events = gauge("tillroll_replication_lag_events",
                      "Another member's committed events not yet in every "
                      "read model here");
  for (auto& [member, lag] : lags)
    add_gauge(events, labelled("member", member), static_cast<double>(lag));
  return {std::move(events)};
}

std::vector<MetricFamily> stream_families(const stream_counts& source,
                                          uint64_t live_entities) {
  auto live = gauge("tillroll_live_entities", "Entity actors in memory");
  add_gauge(live, {}, static_cast<double>(live_entities));
  auto streams = gauge("tillroll_streams", "Streams by entity kind");
  auto events = gauge("tillroll_stream_events", "Events by entity kind");
  for (auto& [kind, counts] : source.counts()) {
    auto metric = labelled("kind", kind);
    add_gauge(streams, metric, static_cast<double>(counts.streams));
    add_gauge(events, metric, static_cast<double>(counts.events));
  }
  return {std::move(live), std::move(streams), std::move(events)};
}

} // namespace

std::string render_metrics(const prometheus::Registry& recorded,
                           const node_figures& figures) {
  auto families = journal_families(figures.journal);
  auto append = [&](std::vector<MetricFamily> more) {
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  };
  append(projection_families(figures.runners));
  if (!figures.replication_lag.empty())
    append(replication_families(figures.replication_lag));
  append(stream_families(figures.streams, figures.live_entities));
  append(recorded.Collect());
  return prometheus::TextSerializer{}.Serialize(families);
}

} // namespace tillroll
