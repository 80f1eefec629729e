#include "app/replication.hpp"

#include "actors/caf_error.hpp"
#include "actors/cluster/forwarding.hpp"
#include "events/event_log.hpp"
#include "events/replica_log.hpp"
#include "projections/projection_runner.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <algorithm>
#include <cstdio>
#include <optional>

namespace tillroll {

replicator::replicator(caf::actor_system& system, caf::actor link,
                       event_log& log, std::string member,
                       std::vector<projection_runner*> runners,
                       replication_settings settings)
    : system_(system), link_(std::move(link)), log_(log),
      member_(std::move(member)), runners_(std::move(runners)),
      settings_(settings) {}

replicator::~replicator() {
  stop();
}

expected<void> replicator::load() {
  auto head = replica_head(log_, member_);
  if (!head)
    return std::move(head).error();
  stored_head_ = *head;
  remote_head_ = *head;
  return {};
}

void replicator::start() {
  stopping_ = false;
  thread_ = std::thread{[this] { run(); }};
}

void replicator::stop() {
  stopping_ = true;
  if (thread_.joinable())
    thread_.join();
}

uint64_t replicator::applied() const {
  uint64_t lowest = stored_head_.load();
  for (auto* runner : runners_)
    lowest = std::min(lowest, runner->replica_offset(member_));
  return lowest;
}

uint64_t replicator::lag_events() const {
  auto head = remote_head_.load();
  auto done = applied();
  return head > done ? head - done : 0;
}

bool replicator::wait_for_copy(uint64_t position,
                               std::chrono::milliseconds timeout) const {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (stored_head_.load() < position) {
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(settings_.idle_wait);
  }
  return true;
}

expected<uint64_t> replicator::ask_head() const {
  caf::scoped_actor self{system_};
  std::optional<expected<uint64_t>> outcome;
  // A pull from past any head answers with nothing but the head.
  self->request(link_, std::chrono::seconds{5}, replicate_atom::value, member_,
                uint64_t{UINT64_MAX}, uint32_t{0})
      .receive(
          [&](std::string&, uint64_t committed) { outcome.emplace(committed); },
          [&](caf::error& error) { outcome.emplace(from_caf_error(error)); });
  return std::move(*outcome);
}

expected<bool> replicator::feed(const std::vector<recorded_event>& events) {
  std::optional<failure> failed;
  for (auto* runner : runners_)
    if (auto applied = runner->apply_replica_batch(member_, events); !applied) {
      std::fprintf(stderr, "tillroll: projection %s, events of %s: %s\n",
                   std::string{runner->name()}.c_str(), member_.c_str(),
                   applied.error().message.c_str());
      failed = std::move(applied).error();
    }
  if (failed)
    return std::move(*failed);
  return true;
}

expected<bool> replicator::step(caf::scoped_actor& self) {
  auto lowest = applied();
  auto head = stored_head_.load();
  if (lowest < head) {
    auto events =
        read_replica(log_, member_, lowest + 1, settings_.batch_events_max);
    if (!events)
      return std::move(events).error();
    return feed(*events);
  }
  std::optional<expected<bool>> outcome;
  self->request(link_, std::chrono::seconds{10}, replicate_atom::value, member_,
                head + 1, settings_.batch_events_max)
      .receive(
          [&](std::string& framed, uint64_t committed) {
            remote_head_ = committed;
            auto events = unframe_records(framed, head + 1);
            if (!events) {
              outcome.emplace(std::move(events).error());
              return;
            }
            if (events->empty()) {
              outcome.emplace(false);
              return;
            }
            if (auto stored = store_replica(log_, member_, *events); !stored) {
              outcome.emplace(stored.error());
              return;
            }
            stored_head_ = events->back().position;
            outcome.emplace(feed(*events));
          },
          [&](caf::error& error) { outcome.emplace(from_caf_error(error)); });
  return std::move(*outcome);
}

void replicator::run() {
  caf::scoped_actor self{system_};
  bool failing = false;
  bool reached = false;
  while (!stopping_) {
    auto done = step(self);
    if (!done) {
      // Said once when it starts failing: a member that is down fails
      // every pull until it is back. Members start one after another, so
      // one not reached yet since this start is not news.
      auto unreached = !reached && done.error().code == errc::node_unavailable;
      if (!failing && !unreached)
        std::fprintf(stderr, "tillroll: replicating %s: %s\n", member_.c_str(),
                     done.error().message.c_str());
      failing = true;
      std::this_thread::sleep_for(settings_.failure_wait);
      continue;
    }
    failing = false;
    reached = true;
    if (!*done)
      std::this_thread::sleep_for(settings_.idle_wait);
  }
}

} // namespace tillroll
