// The generic event-sourced entity actor for CAF 0.17. On start it loads
// its latest snapshot and replays the later events; then each command is
// decided, its events persisted through the journal, applied, and only
// then answered. Commands that arrive while a write is in flight wait in
// order and are decided together into the next append, so one hot entity
// needs one fsync per batch, not per command.
//
// `Entity` describes a kind (see actors/sku/sku_state.hpp): its kind name,
// state, command, event and reply types, snapshot version and `reply`;
// optionally its timers (`next_deadline`, `on_deadline`), `outcome_ready`
// and `pending_work`. The pure functions `decide(state, command,
// now)` and `apply_event(state, event)` are overloaded per kind. Include only
// from the .cpp that spawns the kind: this pulls in CAF's actor headers.
#pragma once

#include "actors/caf_error.hpp"
#include "actors/entity_context.hpp"
#include "actors/messages.hpp"
#include "actors/recovery.hpp"
#include "events/byte_order.hpp"
#include "events/codec.hpp"
#include "events/event_log.hpp"
#include "events/journal.hpp"
#include "events/keys.hpp"
#include "snapshots/snapshot_store.hpp"

#include <caf/actor_cast.hpp>
#include <caf/after.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <cassert>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace tillroll {

/// Correlation and causation ids a caller attaches to a command; they are
/// written into the envelope of every event the command causes.
struct trace_ids {
  std::string correlation_id;
  std::string causation_id;
};

/// Most requesters one entity keeps waiting for its outcome (how long it
/// keeps each is `entity_settings::watcher_wait`).
inline constexpr size_t watchers_max = 10'000;

template <class Entity> struct entity_state {
  using state_type = typename Entity::state_type;
  using command_type = typename Entity::command_type;
  using reply_type = typename Entity::reply_type;
  using answer = std::variant<reply_type, failure>;

  struct pending_command {
    command_type command;
    trace_ids trace;
    /// Not pending for commands the entity issues itself (timers).
    caf::response_promise promise;
  };

  entity_context* context = nullptr;
  std::string id;
  std::string stream_id;
  state_type state{};
  /// The last sequence known durable.
  uint64_t sequence = 0;
  uint64_t snapshot_sequence = 0;
  /// Size of the last snapshot taken.
  size_t snapshot_bytes = 0;
  /// Decided commands whose answers wait for their batch to be durable.
  struct batch {
    std::vector<pending_command> commands;
    std::vector<answer> answers;
    /// The stream's last sequence once the batch is durable; a batch
    /// without events has the sequence of the one before it.
    uint64_t last_sequence = 0;
    bool appended = false;
  };

  std::deque<pending_command> queue;
  /// Batches in decision order; answered in that order.
  std::deque<batch> in_flight;
  /// Appends sent and not yet durable.
  size_t appends_in_flight = 0;
  /// The stream's last sequence including appends in flight.
  uint64_t written_sequence = 0;
  bool retiring = false;
  /// The timer deadline as the last append sent writes it to the timer
  /// index (microseconds since the epoch; none when no timer).
  std::optional<int64_t> written_deadline_us;
  /// The earliest wake-up already scheduled.
  std::optional<int64_t> timer_at_us;
  /// Whether the resume index lists this entity as the last append left it.
  bool written_resume = false;
  /// A driver's step (a saga's call to other entities) is under way.
  bool step_in_flight = false;
  /// Called whenever the state is settled (everything durable): where a
  /// saga takes its next step. None for plain entities.
  void (*on_settled)(caf::stateful_actor<entity_state<Entity>>*) = nullptr;
  /// Requesters waiting for `Entity::outcome_ready`, with when they
  /// stop waiting: a requester that timed out is dropped, so it neither
  /// grows the list nor keeps the entity from passivating.
  struct watcher {
    caf::response_promise promise;
    timestamp gives_up_at;
  };
  std::vector<watcher> watchers;

  static inline const char* name = "tillroll.entity";
};

template <class Entity>
using entity_actor_type = caf::stateful_actor<entity_state<Entity>>;

namespace detail {

/// The entity's next timer; kinds without timers need not say.
template <class Entity>
std::optional<timestamp>
next_deadline_of(const typename Entity::state_type& state) {
  if constexpr (requires { Entity::next_deadline(state); })
    return Entity::next_deadline(state);
  else
    return std::nullopt;
}

template <class Entity>
std::optional<typename Entity::command_type>
on_deadline_of(const typename Entity::state_type& state, timestamp now) {
  if constexpr (requires { Entity::on_deadline(state, now); })
    return Entity::on_deadline(state, now);
  else
    return std::nullopt;
}

inline std::optional<int64_t> to_microseconds(std::optional<timestamp> at) {
  if (!at)
    return std::nullopt;
  return at->time_since_epoch().count();
}

template <class Entity>
expected<void> recover(entity_actor_type<Entity>* self) {
  auto& st = self->state;
  auto& context = *st.context;
  auto recovered =
      recover_state<Entity>(*context.log, context.snapshots, st.stream_id);
  if (!recovered)
    return std::move(recovered).error();
  st.state = std::move(recovered->state);
  st.sequence = st.written_sequence = recovered->sequence;
  st.snapshot_sequence = recovered->snapshot_sequence;
  st.snapshot_bytes = recovered->snapshot_bytes;
  auto deadline =
      context.log->get(column_family::metadata, timer_key(st.stream_id));
  if (!deadline)
    return std::move(deadline).error();
  auto resume =
      context.log->get(column_family::metadata, resume_key(st.stream_id));
  if (!resume)
    return std::move(resume).error();
  st.written_resume = resume->has_value();
  if (*deadline && (*deadline)->size() == 8)
    st.written_deadline_us = static_cast<int64_t>(read_big_endian(**deadline));
  return {};
}

template <class Entity> void take_snapshot(entity_actor_type<Entity>* self) {
  auto& st = self->state;
  if (st.sequence == st.snapshot_sequence)
    return;
  auto bytes = encode_payload(st.state);
  auto size = bytes.size();
  auto saved = st.context->snapshots->save(
      st.stream_id,
      snapshot{Entity::snapshot_version, st.sequence, std::move(bytes)});
  if (saved) {
    st.snapshot_sequence = st.sequence;
    st.snapshot_bytes = size;
  } else
    std::fprintf(stderr, "tillroll: snapshot of %s failed: %s\n",
                 st.stream_id.c_str(), saved.error().message.c_str());
}

template <class Entity> void schedule_timer(entity_actor_type<Entity>* self) {
  auto& st = self->state;
  auto deadline = next_deadline_of<Entity>(st.state);
  if (!deadline)
    return;
  auto at_us = deadline->time_since_epoch().count();
  if (st.timer_at_us && *st.timer_at_us <= at_us)
    return;
  st.timer_at_us = at_us;
  auto delay = *deadline - st.context->settings.clock();
  // An overdue timer (e.g. found on recovery) fires at once.
  if (delay <= decltype(delay)::zero())
    self->send(self, wake_atom::value, at_us);
  else
    self->delayed_send(self, delay, wake_atom::value, at_us);
}

template <class Entity>
void deliver(typename entity_state<Entity>::batch& done) {
  for (size_t index = 0; index < done.commands.size(); ++index) {
    auto& promise = done.commands[index].promise;
    if (!promise.pending())
      continue;
    std::visit(
        [&](auto& answer) {
          if constexpr (std::is_same_v<std::decay_t<decltype(answer)>, failure>)
            promise.deliver(to_caf_error(answer));
          else
            promise.deliver(std::move(answer));
        },
        done.answers[index]);
  }
}

/// Answers the batches at the front that are durable or wrote nothing.
template <class Entity> void deliver_durable(entity_actor_type<Entity>* self) {
  auto& st = self->state;
  while (!st.in_flight.empty() &&
         st.in_flight.front().last_sequence <= st.sequence) {
    deliver<Entity>(st.in_flight.front());
    st.in_flight.pop_front();
  }
}

template <class Entity>
void fail_all(entity_actor_type<Entity>* self, const failure& why) {
  auto& st = self->state;
  for (auto& pending : st.in_flight)
    for (auto& command : pending.commands)
      if (command.promise.pending())
        command.promise.deliver(to_caf_error(why));
  for (auto& pending : st.queue)
    if (pending.promise.pending())
      pending.promise.deliver(to_caf_error(why));
  st.in_flight.clear();
  st.queue.clear();
}

template <class Entity> void answer_watchers(entity_actor_type<Entity>* self) {
  auto& st = self->state;
  if (st.watchers.empty())
    return;
  if constexpr (requires { Entity::outcome_ready(st.state); }) {
    if (!Entity::outcome_ready(st.state))
      return;
  }
  auto view = Entity::reply(st.state, typename Entity::command_type{});
  for (auto& watcher : st.watchers)
    watcher.promise.deliver(view);
  st.watchers.clear();
}

/// Drops the watchers whose requesters have given up waiting.
template <class Entity> void drop_stale_watchers(entity_actor_type<Entity>* self) {
  auto& st = self->state;
  auto now = st.context->settings.clock();
  std::erase_if(st.watchers, [&](auto& watcher) {
    if (watcher.gives_up_at > now)
      return false;
    watcher.promise.deliver(to_caf_error(
        make_failure(errc::timeout, "the outcome took too long", true)));
    return true;
  });
}

/// An entity whose stream has no events (an unknown id looked up) holds
/// nothing worth keeping: it leaves at once instead of staying resident.
template <class Entity> bool never_written(entity_actor_type<Entity>* self) {
  auto& st = self->state;
  return st.written_sequence == 0 && st.queue.empty() &&
         st.in_flight.empty() && st.watchers.empty() && !st.step_in_flight &&
         !st.retiring;
}

/// Whether the state is exactly the durable state: nothing in flight.
template <class Entity> bool settled(entity_actor_type<Entity>* self) {
  return self->state.appends_in_flight == 0;
}

template <class Entity> void maybe_retire(entity_actor_type<Entity>* self) {
  auto& st = self->state;
  if (!st.retiring || !settled<Entity>(self) || !st.queue.empty())
    return;
  take_snapshot<Entity>(self);
  self->quit();
}

template <class Entity> void drain(entity_actor_type<Entity>* self) {
  auto& st = self->state;
  auto& settings = st.context->settings;
  while (st.appends_in_flight < settings.appends_in_flight_max &&
         !st.queue.empty()) {
    auto now = settings.clock();
    auto count = std::min(st.queue.size(), settings.command_batch_max);
    std::vector<new_event> encoded;
    typename entity_state<Entity>::batch decided_batch;
    // A batch closes once it holds `batch_events_max` events, so that with
    // each command's own bounded output it stays within one append.
    for (size_t index = 0;
         index < count && encoded.size() < settings.batch_events_max; ++index) {
      auto pending = std::move(st.queue.front());
      st.queue.pop_front();
      // Unqualified: each kind's overload is found through its state type.
      auto decided = decide(st.state, pending.command, now);
      if (!decided) {
        decided_batch.answers.emplace_back(std::move(decided).error());
      } else {
        event_context origin{now, pending.trace.correlation_id,
                             pending.trace.causation_id};
        // Later commands are decided on the state that includes earlier
        // ones, also those of appends still in flight. Applying ahead of
        // the fsync is safe: no command is answered, no snapshot taken and
        // no timer set until what it saw is durable, and a failed write
        // stops the actor, discarding the state; its successor recovers
        // from the log.
        for (auto& event : *decided) {
          encoded.emplace_back(to_new_event(event, origin));
          apply_event(st.state, event);
        }
        decided_batch.answers.emplace_back(
            Entity::reply(st.state, pending.command));
      }
      decided_batch.commands.emplace_back(std::move(pending));
    }
    if (encoded.empty()) {
      // Nothing to write; answered after the batches before it.
      decided_batch.last_sequence = st.written_sequence;
      st.in_flight.push_back(std::move(decided_batch));
      deliver_durable<Entity>(self);
      continue;
    }
    append_request request{st.stream_id, st.written_sequence, {}, {}, {}};
    st.written_sequence += encoded.size();
    request.events = std::move(encoded);
    decided_batch.last_sequence = st.written_sequence;
    decided_batch.appended = true;
    st.in_flight.push_back(std::move(decided_batch));
    auto deadline = to_microseconds(next_deadline_of<Entity>(st.state));
    if (deadline != st.written_deadline_us) {
      std::optional<std::string> value;
      if (deadline) {
        value.emplace();
        append_big_endian(*value, static_cast<uint64_t>(*deadline));
      }
      request.metadata_changes.push_back(
          metadata_change{timer_key(st.stream_id), std::move(value)});
      st.written_deadline_us = deadline;
    }
    // An entity with work left (a saga mid-way) is listed, so the registry
    // wakes it after a restart even if nobody asks for it.
    if constexpr (requires { Entity::pending_work(st.state); }) {
      bool resume = Entity::pending_work(st.state);
      if (resume != st.written_resume) {
        request.metadata_changes.push_back(metadata_change{
            resume_key(st.stream_id),
            resume ? std::optional<std::string>{"1"} : std::nullopt});
        st.written_resume = resume;
      }
    }
    request.done = [handle = caf::actor_cast<caf::actor>(self)](
                       expected<append_receipt> receipt) {
      caf::anon_send(handle, persisted_atom::value,
                     append_outcome{std::move(receipt)});
    };
    ++st.appends_in_flight;
    st.context->journal->append(std::move(request));
  }
  // Timers, watchers and saga steps follow durable state only: while a
  // write is in flight the state may be about to change.
  if (settled<Entity>(self)) {
    schedule_timer<Entity>(self);
    answer_watchers<Entity>(self);
    if (st.on_settled != nullptr && !st.retiring)
      st.on_settled(self);
    if (never_written<Entity>(self))
      self->send(st.context->registry, passivate_atom::value, st.stream_id,
                 int64_t{0});
  }
  maybe_retire<Entity>(self);
}

template <class Entity>
void enqueue(entity_actor_type<Entity>* self,
             typename Entity::command_type command, trace_ids trace,
             caf::response_promise promise) {
  auto& st = self->state;
  if (st.queue.size() >= st.context->settings.command_queue_max) {
    if (promise.pending())
      promise.deliver(to_caf_error(
          make_failure(errc::overloaded, "too many commands queued", true)));
    return;
  }
  st.queue.push_back(
      {std::move(command), std::move(trace), std::move(promise)});
  drain<Entity>(self);
}

} // namespace detail

/// A plain entity: nothing happens between commands.
struct no_driver {
  template <class Self> static void on_settled(Self*) {}
};

/// The entity actor; `Driver::on_settled(self)` runs whenever the state is
/// settled, e.g. to take a saga's next step (see actors/order/).
template <class Entity, class Driver = no_driver>
caf::behavior entity_actor(entity_actor_type<Entity>* self,
                           entity_context* context, std::string id) {
  using command_type = typename Entity::command_type;
  auto& st = self->state;
  st.context = context;
  if constexpr (!std::is_same_v<Driver, no_driver>)
    st.on_settled = &Driver::on_settled;
  st.id = std::move(id);
  st.stream_id = make_stream_id(Entity::kind, st.id);
  if (auto recovered = detail::recover<Entity>(self); !recovered) {
    self->quit(to_caf_error(recovered.error()));
    return {};
  }
  detail::schedule_timer<Entity>(self);
  // A saga resumes where its log says it stopped.
  if (st.on_settled != nullptr)
    self->send(self, step_retry_atom::value);
  return {
      [=](command_type& command) {
        detail::enqueue<Entity>(self, std::move(command), {},
                                self->make_response_promise());
      },
      [=](command_type& command, trace_ids& trace) {
        detail::enqueue<Entity>(self, std::move(command), std::move(trace),
                                self->make_response_promise());
      },
      [=](persisted_atom, append_outcome& outcome) {
        auto& st = self->state;
        --st.appends_in_flight;
        if (!outcome.receipt) {
          auto why = std::move(outcome.receipt).error();
          detail::fail_all<Entity>(self, why);
          self->quit(to_caf_error(why));
          return;
        }
        // The journal acknowledges one stream's appends in order.
        assert(outcome.receipt->last_sequence > st.sequence);
        st.sequence = outcome.receipt->last_sequence;
        detail::deliver_durable<Entity>(self);
        // Every N events, and never more often than the state's size
        // allows: a snapshot of a large state costs in proportion, so it
        // waits for as many events as it has bytes / 64, keeping the cost
        // per event bounded as the state grows. Only a settled state is
        // the durable one.
        auto since = st.sequence - st.snapshot_sequence;
        if (detail::settled<Entity>(self) &&
            since >= st.context->settings.snapshot_every_events &&
            since * 64 >= st.snapshot_bytes)
          detail::take_snapshot<Entity>(self);
        detail::drain<Entity>(self);
      },
      [=](wake_atom, int64_t at_us) {
        auto& st = self->state;
        detail::drop_stale_watchers<Entity>(self);
        if (st.timer_at_us == at_us)
          st.timer_at_us.reset();
        if (auto command = detail::on_deadline_of<Entity>(
                st.state, st.context->settings.clock()))
          detail::enqueue<Entity>(self, std::move(*command),
                                  trace_ids{"timer", ""},
                                  caf::response_promise{});
        else if (detail::settled<Entity>(self))
          detail::schedule_timer<Entity>(self);
      },
      [=](await_atom) {
        auto& st = self->state;
        auto promise = self->make_response_promise();
        detail::drop_stale_watchers<Entity>(self);
        if (st.watchers.size() >= watchers_max) {
          promise.deliver(to_caf_error(make_failure(
              errc::overloaded, "too many requesters wait on this entity",
              true)));
          return;
        }
        auto wait = st.context->settings.watcher_wait;
        st.watchers.push_back(
            {std::move(promise), st.context->settings.clock() + wait});
        // Wakes the entity to drop the watcher if nothing answers it first;
        // -1 matches no timer of its own.
        self->delayed_send(self, wait, wake_atom::value, int64_t{-1});
        if (detail::settled<Entity>(self))
          detail::answer_watchers<Entity>(self);
      },
      [=](step_retry_atom) {
        auto& st = self->state;
        st.step_in_flight = false;
        if (detail::settled<Entity>(self) && st.on_settled != nullptr &&
            !st.retiring)
          st.on_settled(self);
      },
      [=](retire_atom) {
        self->state.retiring = true;
        detail::maybe_retire<Entity>(self);
      },
      caf::after(context->settings.idle_timeout) >>
          [=] {
            auto& st = self->state;
            detail::drop_stale_watchers<Entity>(self);
            if (!detail::settled<Entity>(self) || !st.queue.empty() ||
                st.retiring || st.step_in_flight || !st.watchers.empty())
              return;
            self->send(st.context->registry, passivate_atom::value,
                       st.stream_id,
                       detail::to_microseconds(
                           detail::next_deadline_of<Entity>(st.state))
                           .value_or(0));
          },
  };
}

} // namespace tillroll

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::trace_ids)
