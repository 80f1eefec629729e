// Entity actors under CAF's deterministic test scheduler: messages and
// timers run step by step, the wall clock is a variable, the journal writes
// in the caller's thread. No sleeps.
#pragma once

#include "actors/caf_error.hpp"
#include "actors/cart/cart_actor.hpp"
#include "actors/entity_registry.hpp"
#include "actors/messages.hpp"
#include "actors/sku/sku_actor.hpp"
#include "events/event_log.hpp"
#include "events/journal.hpp"
#include "snapshots/snapshot_store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <optional>

namespace tillroll::test {

class actor_harness {
public:
  actor_harness(const std::filesystem::path& directory, timestamp start,
                entity_settings settings = {},
                registry_settings registry_options = {}) {
    now = std::make_shared<timestamp>(start);
    auto opened = event_log::open({directory});
    REQUIRE(opened);
    log = std::move(*opened);
    journal_options options;
    options.write_inline = true;
    writer = std::make_unique<journal>(*log, options);
    REQUIRE(writer->start());
    snapshots = std::make_unique<snapshot_store>(*log);
    config.set("scheduler.policy", caf::atom("testing"));
    config.set("logger.verbosity", caf::atom("quiet"));
    add_error_category(config);
    system.emplace(config);
    scheduler =
        &dynamic_cast<caf::scheduler::test_coordinator&>(system->scheduler());
    context.log = log.get();
    context.journal = writer.get();
    context.snapshots = snapshots.get();
    context.settings = settings;
    context.settings.clock = [clock = now] { return *clock; };
    auto kinds = std::make_shared<entity_kinds>();
    add_sku_kind(*kinds);
    add_cart_kind(*kinds);
    registry = spawn_entity_registry(*system, &context, kinds, registry_options);
    run();
  }

  ~actor_harness() {
    shutdown();
    system.reset();
  }

  // Spawned helpers take their state as spawn arguments: CAF 0.17 binds a
  // reference to a null tuple for argument-less spawns (UBSan stops).

  /// Runs every queued message.
  void run() { scheduler->run(); }

  /// Moves both clocks forward and fires what came due.
  void advance(std::chrono::microseconds duration) {
    *now += duration;
    scheduler->advance_time(
        std::chrono::duration_cast<caf::timespan>(duration));
    run();
  }

  template <class Entity>
  expected<typename Entity::reply_type>
  ask(const std::string& id, typename Entity::command_type command) {
    auto result = std::make_shared<
        std::optional<expected<typename Entity::reply_type>>>();
    auto target = registry;
    system->spawn(
        [=](caf::event_based_actor* self, caf::actor target) {
          self->request(target, caf::infinite, route_atom::value,
                        std::string{Entity::kind}, id,
                        caf::make_message(command))
              .then(
                  [=](typename Entity::reply_type& reply) {
                    result->emplace(reply);
                  },
                  [=](caf::error& error) {
                    result->emplace(from_caf_error(error));
                  });
        },
        target);
    run();
    REQUIRE_MESSAGE(result->has_value(), "no reply");
    return std::move(**result);
  }

  uint64_t live() const { return context.live_entities.load(); }

  void shutdown() {
    if (!registry)
      return;
    auto target = registry;
    system->spawn(
        [](caf::event_based_actor* self, caf::actor target) {
          self->request(target, caf::infinite, shutdown_atom::value)
              .then([] {}, [](caf::error&) {});
        },
        target);
    run();
    registry = nullptr;
    context.registry = nullptr;
  }

  std::shared_ptr<timestamp> now;
  std::unique_ptr<event_log> log;
  std::unique_ptr<journal> writer;
  std::unique_ptr<snapshot_store> snapshots;
  caf::actor_system_config config;
  std::optional<caf::actor_system> system;
  caf::scheduler::test_coordinator* scheduler = nullptr;
  entity_context context;
  caf::actor registry;
};

} // namespace tillroll::test
