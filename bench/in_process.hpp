// In-process benchmarks of the entity actors: a node without HTTP (the log
// on a temporary directory, the journal with durability `always`, CAF and
// the entity registry with the kinds asked for), and closed-loop buyers,
// each with one command in flight and the next sent on its answer.
#pragma once

#include "actors/caf_error.hpp"
#include "actors/entity_registry.hpp"
#include "actors/messages.hpp"
#include "actors/system_config.hpp"
#include "events/event_log.hpp"
#include "events/journal.hpp"
#include "snapshots/snapshot_store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <thread>

#include "peer.hpp"

namespace tillroll::bench {

class in_process_node {
public:
  explicit in_process_node(const std::function<void(entity_kinds&)>& add,
                           entity_settings settings = {}) {
    log_ = std::move(*event_log::open({directory_.path()}));
    writer_ = std::make_unique<journal>(*log_, journal_options{});
    if (!writer_->start())
      std::abort();
    snapshots_ = std::make_unique<snapshot_store>(*log_);
    configure_actor_system(config_, 2);
    system_ = std::make_unique<caf::actor_system>(config_);
    context_.settings = std::move(settings);
    context_.log = log_.get();
    context_.journal = writer_.get();
    context_.snapshots = snapshots_.get();
    auto kinds = std::make_shared<entity_kinds>();
    add(*kinds);
    registry_ = spawn_entity_registry(*system_, &context_, kinds);
  }

  ~in_process_node() {
    {
      caf::scoped_actor self{*system_};
      self->request(registry_, std::chrono::seconds{60}, shutdown_atom::value)
          .receive([] {}, [](caf::error&) {});
    }
    registry_ = nullptr;
    system_.reset();
    writer_->stop();
  }

  caf::actor_system& system() { return *system_; }
  const caf::actor& registry() const { return registry_; }

  /// The answer of entity `kind`/`id` to `command`; aborts on an error.
  template <class Reply>
  Reply ask(const std::string& kind, const std::string& id,
            caf::message command) {
    caf::scoped_actor self{*system_};
    Reply reply;
    self->request(registry_, std::chrono::seconds{10}, route_atom::value, kind,
                  id, std::move(command))
        .receive([&](Reply& answered) { reply = std::move(answered); },
                 [&](caf::error& error) {
                   std::fprintf(stderr, "%s %s: %s\n", kind.c_str(), id.c_str(),
                                caf::to_string(error).c_str());
                   std::abort();
                 });
    return reply;
  }

  /// Where the time went: a group commit covers `events/fsync` events, so a
  /// slower rate is either smaller groups or slower fsyncs.
  void print_fsyncs(int buyers) const {
    auto stats = writer_->stats();
    auto& fsyncs = writer_->write_latency();
    std::fprintf(stderr, "  %d buyers: %.1f events/fsync, %.3f ms/fsync\n",
                 buyers,
                 stats.syncs ? static_cast<double>(stats.events) /
                                   static_cast<double>(stats.syncs)
                             : 0.0,
                 fsyncs.count()
                     ? 1000 * fsyncs.sum() / static_cast<double>(fsyncs.count())
                     : 0.0);
  }

private:
  temp_directory directory_;
  std::unique_ptr<event_log> log_;
  std::unique_ptr<journal> writer_;
  std::unique_ptr<snapshot_store> snapshots_;
  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;
  entity_context context_;
  caf::actor registry_;
};

/// The command buyer `buyer` sends as its `attempt`th; nothing: it stops.
using next_command = std::function<std::optional<caf::message>(
    uint64_t buyer, uint64_t attempt)>;

/// Answers per second to `buyers` closed-loop buyers of entity `kind`/`id`
/// over `duration`; a refusal counts as no answer and is reported.
template <class Reply>
double closed_loop(in_process_node& node, int buyers,
                   std::chrono::seconds duration, const std::string& kind,
                   const std::string& id, next_command next) {
  struct run_state {
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> answered{0};
    std::atomic<uint64_t> refused{0};
    std::atomic<int> running{0};
  };
  auto run = std::make_shared<run_state>();
  run->running = buyers;
  auto registry = node.registry();
  auto shared_next = std::make_shared<next_command>(std::move(next));
  // One buyer's loop: a command in flight at a time. Its handlers hold it
  // weakly, and each call holds it for its own length, so the loop ends
  // with this function whatever thread is still in it.
  using loop_type =
      std::function<void(caf::event_based_actor*, uint64_t, uint64_t)>;
  auto loop = std::make_shared<loop_type>();
  std::weak_ptr<loop_type> weak_loop = loop;
  auto call = [weak_loop](caf::event_based_actor* self, uint64_t buyer,
                          uint64_t attempt) {
    if (auto alive = weak_loop.lock())
      (*alive)(self, buyer, attempt);
    else
      self->quit();
  };
  *loop = [=](caf::event_based_actor* self, uint64_t buyer, uint64_t attempt) {
    auto command = run->stop.load(std::memory_order_relaxed)
                       ? std::nullopt
                       : (*shared_next)(buyer, attempt);
    if (!command) {
      run->running.fetch_sub(1);
      self->quit();
      return;
    }
    self->request(registry, caf::infinite, route_atom::value, kind, id,
                  std::move(*command))
        .then(
            [=](Reply&) {
              run->answered.fetch_add(1, std::memory_order_relaxed);
              call(self, buyer, attempt + 1);
            },
            [=](caf::error&) {
              run->refused.fetch_add(1, std::memory_order_relaxed);
              call(self, buyer, attempt + 1);
            });
  };
  auto started = std::chrono::steady_clock::now();
  for (int buyer = 0; buyer < buyers; ++buyer)
    node.system().spawn([call](caf::event_based_actor* self,
                               uint64_t buyer) { call(self, buyer, 0); },
                        static_cast<uint64_t>(buyer));
  while (run->running.load() > 0 &&
         std::chrono::steady_clock::now() - started < duration)
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  auto counted = run->answered.load();
  auto elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  run->stop = true;
  while (run->running.load() > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  if (run->refused.load() > 0)
    std::fprintf(stderr, "  %llu commands refused\n",
                 static_cast<unsigned long long>(run->refused.load()));
  node.print_fsyncs(buyers);
  return static_cast<double>(counted) / elapsed;
}

} // namespace tillroll::bench
