// Replication of the read side: one replicator per other member pulls that
// member's committed global log through the cluster link, keeps a copy
// (events/replica_log.hpp) and feeds it to this member's replicated read
// models, each from its own offset for that member. So product pages,
// browse, search, recommendations and the order list answer locally for
// the whole cluster, and the audit sees every member's events.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace tillroll {

class event_log;
class projection_runner;

struct replication_settings {
  /// Most events pulled at once.
  uint32_t batch_events_max = 1000;
  /// Wait before pulling again from a member that had nothing new.
  std::chrono::milliseconds idle_wait{50};
  /// Wait before pulling again after a failed pull or apply.
  std::chrono::milliseconds failure_wait{500};
};

class replicator {
public:
  /// Copies `member`'s log through `link` into `log` and feeds `runners`.
  replicator(caf::actor_system& system, caf::actor link, event_log& log,
             std::string member, std::vector<projection_runner*> runners,
             replication_settings settings = {});
  ~replicator();
  replicator(const replicator&) = delete;
  replicator& operator=(const replicator&) = delete;

  /// Reads the copy's head; then start() pulls in a thread of its own.
  [[nodiscard]] expected<void> load();
  void start();
  void stop();

  const std::string& member() const { return member_; }
  /// The member's committed position as it last said.
  uint64_t remote_head() const { return remote_head_.load(); }
  /// The last position of the member's log every read model has applied.
  uint64_t applied() const;
  /// The member's events not yet in every read model here.
  uint64_t lag_events() const;
  /// Blocks until the copy holds `position` of the member's log, at most
  /// `timeout`; whether it does.
  bool wait_for_copy(uint64_t position,
                     std::chrono::milliseconds timeout) const;

  /// Asks the member for its committed position (blocking, through the
  /// link): what an audit must copy before it starts.
  [[nodiscard]] expected<uint64_t> ask_head() const;

private:
  void run();
  /// One step: applies what the copy holds past the lowest offset, or pulls
  /// more; whether anything was done.
  expected<bool> step(caf::scoped_actor& self);
  expected<bool> feed(const std::vector<recorded_event>& events);

  caf::actor_system& system_;
  caf::actor link_;
  event_log& log_;
  std::string member_;
  std::vector<projection_runner*> runners_;
  replication_settings settings_;
  std::atomic<uint64_t> stored_head_{0};
  std::atomic<uint64_t> remote_head_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

} // namespace tillroll
