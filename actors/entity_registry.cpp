#include "actors/entity_registry.hpp"

#include "actors/caf_error.hpp"
#include "actors/cluster/forwarding.hpp"
#include "actors/cluster/membership.hpp"
#include "actors/messages.hpp"
#include "events/byte_order.hpp"
#include "events/event_log.hpp"
#include "events/journal.hpp"
#include "events/keys.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>
#include <caf/spawn_options.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

#include <rocksdb/write_batch.h>

#include <cstdio>
#include <optional>
#include <vector>

namespace tillroll {

namespace {

struct held_message {
  caf::response_promise promise;
  caf::message content;
};

/// Reads the next page of the due index.
using timers_atom = caf::atom_constant<caf::atom("duetimers")>;
/// Wakes the next page of unfinished entities.
using resumes_atom = caf::atom_constant<caf::atom("resumes")>;

/// Marks a log whose due index was built from the timer index (logs
/// written before the due index existed have only the latter).
constexpr std::string_view due_index_marker = "index/due-v1";

struct registry_entry {
  caf::actor handle;
  bool retiring = false;
  std::vector<held_message> held;
};

struct registry_state {
  entity_context* context = nullptr;
  std::shared_ptr<const entity_kinds> kinds;
  registry_settings settings;
  std::unordered_map<std::string, registry_entry> entries;
  std::unordered_map<caf::actor_id, std::string> streams_by_actor;
  bool shutting_down = false;
  caf::response_promise shutdown_done;
  /// Where the next read of the due index starts.
  std::string timers_from{due_key_prefix};
  /// Every timer due at or before this (microseconds since the epoch) has
  /// a wake-up scheduled; a later one is left to the due index.
  int64_t timers_scheduled_until_us = 0;
  /// Where the next page of unfinished entities starts.
  std::string resumes_from{resume_key_prefix};

  static inline const char* name = "tillroll.entity_registry";
};

using registry_actor = caf::stateful_actor<registry_state>;

expected<caf::actor> spawn_entity(registry_actor* self,
                                  const std::string& stream_id) {
  auto& st = self->state;
  auto kind = std::string{stream_kind(stream_id)};
  auto spawner = st.kinds->find(kind);
  if (spawner == st.kinds->end())
    return make_failure(errc::not_found, "unknown entity kind " + kind);
  auto handle = spawner->second(self->system(), st.context,
                                std::string{stream_entity_id(stream_id)});
  self->monitor(handle);
  st.streams_by_actor[handle.id()] = stream_id;
  st.entries[stream_id].handle = handle;
  st.context->live_entities.store(st.entries.size());
  return handle;
}

void schedule_wake(registry_actor* self, const std::string& stream_id,
                   int64_t deadline_us) {
  auto delay = timestamp{std::chrono::microseconds{deadline_us}} -
               self->state.context->settings.clock();
  if (delay <= decltype(delay)::zero())
    self->send(self, wake_atom::value, stream_id);
  else
    self->delayed_send(self, delay, wake_atom::value, stream_id);
}

int64_t now_us(registry_actor* self) {
  return self->state.context->settings.clock().time_since_epoch().count();
}

/// Builds the due index from the timer index, once, for a log written
/// before the due index existed.
void build_due_index(registry_actor* self) {
  auto& log = *self->state.context->log;
  auto marked = log.get(column_family::metadata, due_index_marker);
  if (!marked || *marked)
    return;
  rocksdb::WriteBatch batch;
  auto* family = log.family(column_family::metadata);
  auto scanned = log.scan(
      column_family::metadata, timer_key_prefix,
      [&](std::string_view key, std::string_view value) {
        if (value.size() == 8)
          batch.Put(family,
                    due_key(static_cast<int64_t>(read_big_endian(value)),
                            key.substr(timer_key_prefix.size())),
                    "");
        return true;
      });
  batch.Put(family, due_index_marker, "1");
  if (!scanned || !log.write(batch, true))
    std::fprintf(stderr, "tillroll: building the due index failed\n");
}

/// Schedules wake-ups for the next page of timers due within the
/// lookahead, and the next read of the index.
void read_due_timers(registry_actor* self) {
  auto& st = self->state;
  auto horizon_us =
      now_us(self) + std::chrono::duration_cast<std::chrono::microseconds>(
                         st.settings.timers_lookahead)
                         .count();
  size_t count = 0;
  std::string last;
  int64_t last_us = 0;
  auto scanned = st.context->log->scan_from(
      column_family::metadata, due_key_prefix, st.timers_from,
      [&](std::string_view key, std::string_view) {
        if (key.size() <= due_key_prefix.size() + 8)
          return true;
        auto at_us = static_cast<int64_t>(
            read_big_endian(key.substr(due_key_prefix.size(), 8)));
        if (at_us > horizon_us)
          return false;
        schedule_wake(self, std::string{key.substr(due_key_prefix.size() + 8)},
                      at_us);
        last = key;
        last_us = at_us;
        return ++count < st.settings.timers_page_max;
      });
  if (!scanned)
    std::fprintf(stderr, "tillroll: reading timers failed: %s\n",
                 scanned.error().message.c_str());
  if (count >= st.settings.timers_page_max) {
    // A full page: more are due; the next page follows at the pace of
    // resumption, so a long stop's backlog does not spawn every entity at
    // once.
    st.timers_from = last + '\0';
    st.timers_scheduled_until_us = last_us - 1;
    self->delayed_send(self, st.settings.resumes_page_interval,
                       timers_atom::value);
    return;
  }
  st.timers_from = due_key(horizon_us + 1, "");
  st.timers_scheduled_until_us = horizon_us;
  self->delayed_send(self, st.settings.timers_lookahead / 2,
                     timers_atom::value);
}

/// Wakes the next page of entities listed as having work left.
void resume_unfinished(registry_actor* self) {
  auto& st = self->state;
  size_t count = 0;
  std::string last;
  auto scanned = st.context->log->scan_from(
      column_family::metadata, resume_key_prefix, st.resumes_from,
      [&](std::string_view key, std::string_view) {
        self->send(self, wake_atom::value,
                   std::string{key.substr(resume_key_prefix.size())});
        last = key;
        return ++count < st.settings.resumes_page_max;
      });
  if (!scanned)
    std::fprintf(stderr, "tillroll: loading unfinished entities failed: %s\n",
                 scanned.error().message.c_str());
  if (count >= st.settings.resumes_page_max) {
    st.resumes_from = last + '\0';
    self->delayed_send(self, st.settings.resumes_page_interval,
                       resumes_atom::value);
  }
}

/// After an entity is gone, however it went: its next timer, read from the
/// index its last durable append wrote (not from what it said when it
/// asked to passivate, which a later command may have changed), and its
/// unfinished work if it stopped on an error.
void rearm(registry_actor* self, const std::string& stream_id, bool failed) {
  auto& st = self->state;
  auto& log = *st.context->log;
  // A failed log wakes nobody: each would fail its first append and stop
  // again, over and over, while the node stops.
  if (st.context->journal && st.context->journal->failed())
    return;
  auto deadline = log.get(column_family::metadata, timer_key(stream_id));
  if (deadline && *deadline && (*deadline)->size() == 8) {
    auto at_us = static_cast<int64_t>(read_big_endian(**deadline));
    if (at_us <= st.timers_scheduled_until_us)
      schedule_wake(self, stream_id, at_us);
  }
  if (!failed)
    return;
  auto resume = log.get(column_family::metadata, resume_key(stream_id));
  if (resume && *resume)
    self->delayed_send(self, st.settings.resumes_page_interval,
                       wake_atom::value, stream_id);
}

void on_entity_down(registry_actor* self, caf::down_msg& down) {
  auto& st = self->state;
  auto found = st.streams_by_actor.find(down.source.id());
  if (found == st.streams_by_actor.end())
    return;
  auto stream_id = std::move(found->second);
  st.streams_by_actor.erase(found);
  auto entry = st.entries.find(stream_id);
  if (entry == st.entries.end())
    return;
  if (down.reason && !entry->second.retiring)
    std::fprintf(stderr, "tillroll: entity %s stopped: %s\n", stream_id.c_str(),
                 self->system().render(down.reason).c_str());
  bool failed = static_cast<bool>(down.reason);
  auto held = std::move(entry->second.held);
  st.entries.erase(entry);
  st.context->live_entities.store(st.entries.size());
  if (st.shutting_down) {
    for (auto& message : held)
      message.promise.deliver(to_caf_error(
          make_failure(errc::unavailable, "the node is stopping", true)));
    if (st.entries.empty()) {
      st.shutdown_done.deliver(caf::unit);
      self->quit();
    }
    return;
  }
  if (!held.empty()) {
    auto successor = spawn_entity(self, stream_id);
    for (auto& message : held) {
      if (successor)
        message.promise.delegate(*successor, std::move(message.content));
      else
        message.promise.deliver(to_caf_error(successor.error()));
    }
  } else {
    rearm(self, stream_id, failed);
  }
}

/// Why no entity may take a command now, if that is so.
std::optional<failure> refusal_of_route(registry_actor* self,
                                        const std::string& id,
                                        const std::string& stream_id) {
  auto& st = self->state;
  if (st.shutting_down)
    return make_failure(errc::unavailable, "the node is stopping", true);
  // Fail-stop: past a failed write or fsync no entity answers, not even
  // one that already stopped for it (which CAF would report as a dead
  // receiver, not as why).
  if (st.context->journal && st.context->journal->failed())
    return make_failure(errc::storage_failure,
                        "the log failed; the node is stopping", true);
  if (auto valid = validate_stream_id(stream_id); !valid)
    return valid.error();
  if (id.find('\0') != std::string::npos)
    return make_failure(errc::invalid_argument, "bad entity id");
  return std::nullopt;
}

/// Hands `content` to the entity, activating it first if it is not
/// resident; a retiring entity's messages wait for its successor.
void route(registry_actor* self, const std::string& kind, const std::string& id,
           caf::message& content) {
  auto& st = self->state;
  auto promise = self->make_response_promise();
  auto stream_id = make_stream_id(kind, id);
  if (auto refused = refusal_of_route(self, id, stream_id)) {
    promise.deliver(to_caf_error(*refused));
    return;
  }
  // Another member's entity: its owner's link answers the requester.
  if (auto* cluster = st.context->cluster;
      cluster != nullptr && !cluster->owns(stream_id)) {
    if (!st.context->cluster_link) {
      promise.deliver(to_caf_error(make_failure(
          errc::node_unavailable, "this member forwards to no other", true)));
      return;
    }
    promise.delegate(st.context->cluster_link, forward_atom::value, kind, id,
                     std::move(content));
    return;
  }
  auto entry = st.entries.find(stream_id);
  if (entry == st.entries.end()) {
    auto spawned = spawn_entity(self, stream_id);
    if (!spawned) {
      promise.deliver(to_caf_error(spawned.error()));
      return;
    }
    entry = st.entries.find(stream_id);
  }
  if (!entry->second.retiring) {
    promise.delegate(entry->second.handle, std::move(content));
    return;
  }
  if (entry->second.held.size() >= st.settings.retiring_messages_max) {
    promise.deliver(to_caf_error(make_failure(
        errc::overloaded, "too many messages for a retiring entity", true)));
    return;
  }
  entry->second.held.push_back({std::move(promise), std::move(content)});
}

void wake(registry_actor* self, const std::string& stream_id) {
  auto& st = self->state;
  if (st.shutting_down || st.entries.count(stream_id) > 0 ||
      (st.context->journal && st.context->journal->failed()))
    return;
  // On recovery the entity schedules its own overdue timers.
  if (auto spawned = spawn_entity(self, stream_id); !spawned)
    std::fprintf(stderr, "tillroll: waking %s failed: %s\n", stream_id.c_str(),
                 spawned.error().message.c_str());
}

void shut_down(registry_actor* self) {
  auto& st = self->state;
  st.shutting_down = true;
  st.shutdown_done = self->make_response_promise();
  if (st.entries.empty()) {
    st.shutdown_done.deliver(caf::unit);
    self->quit();
    return;
  }
  for (auto& [stream_id, entry] : st.entries)
    if (!entry.retiring) {
      entry.retiring = true;
      self->send(entry.handle, retire_atom::value);
    }
}

caf::behavior entity_registry(registry_actor* self, entity_context* context,
                              std::shared_ptr<const entity_kinds> kinds,
                              registry_settings settings) {
  self->state.context = context;
  self->state.kinds = std::move(kinds);
  self->state.settings = settings;
  self->set_down_handler(
      [self](caf::down_msg& down) { on_entity_down(self, down); });
  build_due_index(self);
  resume_unfinished(self);
  read_due_timers(self);
  return {
      [=](route_atom, const std::string& kind, const std::string& id,
          caf::message& content) { route(self, kind, id, content); },
      [=](passivate_atom, const std::string& stream_id) {
        auto entry = self->state.entries.find(stream_id);
        if (entry == self->state.entries.end() || entry->second.retiring)
          return;
        entry->second.retiring = true;
        self->send(entry->second.handle, retire_atom::value);
      },
      [=](timers_atom) {
        if (!self->state.shutting_down)
          read_due_timers(self);
      },
      [=](resumes_atom) {
        if (!self->state.shutting_down)
          resume_unfinished(self);
      },
      [=](wake_atom, const std::string& stream_id) { wake(self, stream_id); },
      [=](live_atom) {
        return static_cast<uint64_t>(self->state.entries.size());
      },
      [=](shutdown_atom) { shut_down(self); },
  };
}

} // namespace

caf::actor spawn_entity_registry(caf::actor_system& system,
                                 entity_context* context,
                                 std::shared_ptr<const entity_kinds> kinds,
                                 registry_settings settings) {
  // Entities and sagas reach the registry through the context, from any
  // worker thread. The handle is stored before the registry starts (lazy
  // init, then a first message), so every entity it spawns sees it.
  auto registry = system.spawn<caf::lazy_init>(entity_registry, context,
                                               std::move(kinds), settings);
  context->registry = registry;
  caf::anon_send(registry, live_atom::value);
  return registry;
}

} // namespace tillroll
