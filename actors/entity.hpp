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
#include "events/envelope.hpp"
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

#include <algorithm>
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

/// A stream id as a trace id: stream ids (200 bytes) may be longer than
/// the envelope takes (`trace_id_size_max`), and an append with a longer
/// trace id is refused, so a long one is cut.
inline std::string trace_id_of(std::string_view stream_id) {
  return std::string{stream_id.substr(0, trace_id_size_max)};
}

/// Most requesters one entity keeps waiting for its outcome (how long it
/// keeps each is `entity_settings::watcher_wait`).
inline constexpr size_t watchers_max = 10'000;

/// How often one command is decided again after its append met a sequence
/// conflict (the stream moved under the entity, which one live actor per
/// stream should make impossible): each time on the state rebuilt from the
/// log. Past it the caller gets a retryable `unavailable`, never the
/// conflict, whose sequence numbers mean nothing to a client.
inline constexpr uint8_t conflict_retries_max = 3;

/// Longest an activating entity waits for the events it replayed to become
/// durable (they are visible in RocksDB once written, before their fsync).
inline constexpr std::chrono::seconds durable_wait_max{5};

/// How long an entity whose recovery failed answers requests with why
/// before it stops, however often it is asked; the next request then
/// tries the recovery again.
inline constexpr std::chrono::seconds failed_recovery_linger{1};

/// The soonest a live entity wakes ahead of its deadline to see whether it
/// may passivate.
inline constexpr std::chrono::milliseconds early_wake_min{1000};

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
    /// Times decided again after a sequence conflict.
    uint8_t conflicts = 0;
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
  /// Set when an append failed: the state in memory is ahead of the log.
  /// Nothing is decided until every append in flight has answered; then
  /// the state is rebuilt from the log (or the actor stops, if the journal
  /// has failed).
  std::optional<failure> broken;
  /// The timer deadline as the last append sent writes it to the timer
  /// index (microseconds since the epoch; none when no timer).
  std::optional<int64_t> written_deadline_us;
  /// The earliest wake-up already scheduled.
  std::optional<int64_t> timer_at_us;
  /// When the last commands were decided: a wake-up ahead of the deadline
  /// passivates the entity only if it has been quiet since.
  timestamp decided_at{};
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

template <class Entity>
using pending_command_of = typename entity_state<Entity>::pending_command;

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
  // Written but not yet fsync'd events are visible to this read: never
  // serve a state a crash could take back (or one the journal has failed
  // to make durable).
  if (context.journal != nullptr &&
      recovered->last_position > context.journal->committed_position() &&
      !context.journal->wait_for_commit(recovered->last_position,
                                        durable_wait_max)) {
    if (auto failed = context.journal->failed())
      return std::move(*failed);
    return make_failure(errc::unavailable,
                        "the log is slow to make " + st.stream_id + " durable",
                        true);
  }
  if (recovered->stale_snapshot) {
    if (auto erased = context.snapshots->erase(st.stream_id); !erased)
      return std::move(erased).error();
  }
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
  // A broken state is ahead of the log; only the durable one is kept.
  if (st.sequence == st.snapshot_sequence || st.broken)
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
  // A delayed message holds on to its actor: armed for a deadline ten
  // minutes off, an entity passivated after two would stay in memory for
  // eight more, and a million held SKUs would never leave. So it arms at
  // most an idle timeout ahead; woken early and idle, it passivates, and
  // the registry's due index wakes it for the deadline.
  auto now = st.context->settings.clock();
  // Not sooner than `early_wake_min`: an entity that cannot passivate (a
  // watcher, a step in flight) would wake every millisecond under a tiny
  // idle timeout.
  auto wake_at =
      std::min(*deadline, now + std::max(st.context->settings.idle_timeout,
                                         early_wake_min));
  auto at_us = wake_at.time_since_epoch().count();
  if (st.timer_at_us && *st.timer_at_us <= at_us)
    return;
  st.timer_at_us = at_us;
  auto delay = wake_at - now;
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

/// Answers every queued command with `why`.
template <class Entity>
void fail_queue(entity_actor_type<Entity>* self, const failure& why) {
  auto& st = self->state;
  for (auto& pending : st.queue)
    if (pending.promise.pending())
      pending.promise.deliver(to_caf_error(why));
  st.queue.clear();
}

/// The append that would have left the stream at `planned_last_sequence`
/// failed. Its batch and every batch decided after it (on a state that
/// included it) are taken back: their commands are answered with the
/// failure, or, after a sequence conflict, decided again once the state is
/// rebuilt. Batches before it stay: their appends may still succeed.
template <class Entity>
void take_back(entity_actor_type<Entity>* self, uint64_t planned_last_sequence,
               const failure& why) {
  auto& st = self->state;
  auto first = std::find_if(
      st.in_flight.begin(), st.in_flight.end(), [&](auto& decided) {
        return decided.appended &&
               decided.last_sequence == planned_last_sequence;
      });
  if (st.broken && first == st.in_flight.end())
    return; // a later append of a batch already taken back
  if (!st.broken)
    st.broken = why;
  std::vector<pending_command_of<Entity>> again;
  for (auto decided = first; decided != st.in_flight.end(); ++decided)
    for (auto& command : decided->commands) {
      if (why.code == errc::conflict &&
          command.conflicts < conflict_retries_max) {
        ++command.conflicts;
        again.push_back(std::move(command));
      } else if (command.promise.pending()) {
        command.promise.deliver(to_caf_error(
            why.code == errc::conflict
                ? make_failure(errc::unavailable,
                               "the entity was busy; try again", true)
                : why));
      }
    }
  st.in_flight.erase(first, st.in_flight.end());
  // Decided again in their first order, ahead of what came later. Only
  // requests with a requester waiting come back; a saga's own outcome or a
  // timer's command is dropped, and the step or the timer runs again from
  // the rebuilt state (a payment step asks the PSP first, so it never
  // charges twice).
  for (auto command = again.rbegin(); command != again.rend(); ++command)
    if (command->promise.pending())
      st.queue.push_front(std::move(*command));
}

/// Once every append in flight has answered, rebuilds a broken entity's
/// state from the log; when the journal has failed, stops it instead.
/// Returns whether the entity may go on deciding.
template <class Entity> bool repair(entity_actor_type<Entity>* self) {
  auto& st = self->state;
  if (!st.broken)
    return true;
  if (st.appends_in_flight > 0)
    return false;
  std::optional<failure> fatal;
  if (st.context->journal != nullptr)
    fatal = st.context->journal->failed();
  if (!fatal) {
    if (auto rebuilt = recover<Entity>(self); !rebuilt)
      fatal = std::move(rebuilt).error();
  }
  if (fatal) {
    fail_queue<Entity>(self, *fatal);
    for (auto& watcher : st.watchers)
      watcher.promise.deliver(to_caf_error(*fatal));
    st.watchers.clear();
    self->quit(to_caf_error(*fatal));
    return false;
  }
  st.broken.reset();
  return true;
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
template <class Entity>
void drop_stale_watchers(entity_actor_type<Entity>* self) {
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
  return st.written_sequence == 0 && st.queue.empty() && st.in_flight.empty() &&
         st.watchers.empty() && !st.step_in_flight && !st.retiring;
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

/// Decides up to a batch of queued commands on the current state, applying
/// each one's events ahead of the fsync; the events go to `encoded`.
template <class Entity>
typename entity_state<Entity>::batch
decide_batch(entity_actor_type<Entity>* self, std::vector<new_event>& encoded) {
  auto& st = self->state;
  auto& settings = st.context->settings;
  auto now = settings.clock();
  st.decided_at = now;
  auto count = std::min(st.queue.size(), settings.command_batch_max);
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
  return decided_batch;
}

/// Adds to `request` the changes of the entity's timer and resume index
/// entries that its new state makes, written with its events.
template <class Entity>
void index_changes(entity_actor_type<Entity>* self, append_request& request) {
  auto& st = self->state;
  auto deadline = to_microseconds(next_deadline_of<Entity>(st.state));
  if (deadline != st.written_deadline_us) {
    std::optional<std::string> value;
    if (deadline) {
      value.emplace();
      append_big_endian(*value, static_cast<uint64_t>(*deadline));
    }
    request.metadata_changes.push_back(
        metadata_change{timer_key(st.stream_id), std::move(value)});
    if (st.written_deadline_us)
      request.metadata_changes.push_back(metadata_change{
          due_key(*st.written_deadline_us, st.stream_id), std::nullopt});
    if (deadline)
      request.metadata_changes.push_back(
          metadata_change{due_key(*deadline, st.stream_id), std::string{}});
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
}

/// Timers, watchers and saga steps follow durable state only: while a
/// write is in flight the state may be about to change.
template <class Entity> void on_settled_state(entity_actor_type<Entity>* self) {
  auto& st = self->state;
  if (!settled<Entity>(self))
    return;
  schedule_timer<Entity>(self);
  answer_watchers<Entity>(self);
  if (st.on_settled != nullptr && !st.retiring)
    st.on_settled(self);
  if (never_written<Entity>(self))
    self->send(st.context->registry, passivate_atom::value, st.stream_id);
}

template <class Entity> void drain(entity_actor_type<Entity>* self) {
  auto& st = self->state;
  if (!repair<Entity>(self))
    return;
  while (st.appends_in_flight < st.context->settings.appends_in_flight_max &&
         !st.queue.empty()) {
    std::vector<new_event> encoded;
    auto decided_batch = decide_batch<Entity>(self, encoded);
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
    index_changes<Entity>(self, request);
    request.done = [handle = caf::actor_cast<caf::actor>(self),
                    planned =
                        st.written_sequence](expected<append_receipt> receipt) {
      caf::anon_send(handle, persisted_atom::value,
                     append_outcome{std::move(receipt), planned});
    };
    ++st.appends_in_flight;
    // Blocking on the fsync delays only messages not yet sent.
    request.may_write_alone = st.queue.empty() && self->mailbox().empty();
    st.context->journal->append(std::move(request));
  }
  on_settled_state<Entity>(self);
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
  // A command from outside (a request) starts its own correlation: the
  // stream it first changes.
  if (trace.correlation_id.empty())
    trace.correlation_id = trace_id_of(st.stream_id);
  st.queue.push_back(
      {std::move(command), std::move(trace), std::move(promise)});
  drain<Entity>(self);
}

/// An append is durable, or failed: the commands it covered are answered,
/// or taken back with every batch decided after it.
template <class Entity>
void on_persisted(entity_actor_type<Entity>* self, append_outcome& outcome) {
  auto& st = self->state;
  --st.appends_in_flight;
  if (!outcome.receipt) {
    take_back<Entity>(self, outcome.planned_last_sequence,
                      outcome.receipt.error());
    drain<Entity>(self);
    return;
  }
  // The journal acknowledges one stream's appends in order.
  assert(outcome.receipt->last_sequence > st.sequence);
  st.sequence = outcome.receipt->last_sequence;
  deliver_durable<Entity>(self);
  // Every N events, and never more often than the state's size allows: a
  // snapshot of a large state costs in proportion, so it waits for as many
  // events as it has bytes / 64, keeping the cost per event bounded as the
  // state grows. Only a settled state is the durable one.
  auto since = st.sequence - st.snapshot_sequence;
  if (settled<Entity>(self) &&
      since >= st.context->settings.snapshot_every_events &&
      since * 64 >= st.snapshot_bytes)
    take_snapshot<Entity>(self);
  drain<Entity>(self);
}

/// Nothing in flight, queued or awaited: the entity may leave memory.
template <class Entity> bool may_passivate(entity_actor_type<Entity>* self) {
  auto& st = self->state;
  return settled<Entity>(self) && st.queue.empty() && !st.retiring &&
         !st.step_in_flight && st.watchers.empty();
}

/// Quiet for half an idle timeout: a busy entity woken ahead of its
/// deadline stays, and the idle timeout passivates it once it calms.
template <class Entity> bool quiet(entity_actor_type<Entity>* self) {
  auto& st = self->state;
  return st.context->settings.clock() - st.decided_at >=
         st.context->settings.idle_timeout / 2;
}

template <class Entity> void passivate(entity_actor_type<Entity>* self) {
  auto& st = self->state;
  // The registry reads the timer from the index once the actor is gone: a
  // command between this and the retire may set one.
  self->send(st.context->registry, passivate_atom::value, st.stream_id);
}

/// A timer fired: the state's own deadline (`at_us`), or a watcher's wait.
template <class Entity>
void on_wake(entity_actor_type<Entity>* self, int64_t at_us) {
  auto& st = self->state;
  drop_stale_watchers<Entity>(self);
  bool own_timer = st.timer_at_us == at_us;
  if (own_timer)
    st.timer_at_us.reset();
  if (auto command =
          on_deadline_of<Entity>(st.state, st.context->settings.clock()))
    enqueue<Entity>(self, std::move(*command),
                    trace_ids{trace_id_of(self->state.stream_id), "timer"},
                    caf::response_promise{});
  else if (own_timer && quiet<Entity>(self) && may_passivate<Entity>(self))
    passivate<Entity>(self);
  else if (settled<Entity>(self))
    schedule_timer<Entity>(self);
}

/// Someone waits for the entity's next settled state (a saga's outcome).
template <class Entity>
void on_await(entity_actor_type<Entity>* self, caf::response_promise promise) {
  auto& st = self->state;
  drop_stale_watchers<Entity>(self);
  if (st.watchers.size() >= watchers_max) {
    promise.deliver(to_caf_error(make_failure(
        errc::overloaded, "too many requesters wait on this entity", true)));
    return;
  }
  auto wait = st.context->settings.watcher_wait;
  st.watchers.push_back(
      {std::move(promise), st.context->settings.clock() + wait});
  // Wakes the entity to drop the watcher if nothing answers it first; -1
  // matches no timer of its own.
  self->delayed_send(self, wait, wake_atom::value, int64_t{-1});
  if (settled<Entity>(self))
    answer_watchers<Entity>(self);
}

template <class Entity> void on_idle(entity_actor_type<Entity>* self) {
  drop_stale_watchers<Entity>(self);
  if (may_passivate<Entity>(self))
    passivate<Entity>(self);
}

/// Every request the registry already handed over is answered with why
/// (a damaged record, a failed log), not left to find the actor gone;
/// after an idle while it stops, and the next request tries again.
template <class Entity>
caf::behavior failed_recovery(entity_actor_type<Entity>* self,
                              const failure& why_failed) {
  auto why = to_caf_error(why_failed);
  self->set_default_handler(
      [why](caf::scheduled_actor*,
            caf::message_view&) -> caf::result<caf::message> { return why; });
  self->delayed_send(self, failed_recovery_linger, wake_atom::value,
                     int64_t{-2});
  return {[=](wake_atom, int64_t) { self->quit(why); },
          [=](retire_atom) { self->quit(why); }};
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
  if (auto recovered = detail::recover<Entity>(self); !recovered)
    return detail::failed_recovery<Entity>(self, recovered.error());
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
        detail::on_persisted<Entity>(self, outcome);
      },
      [=](wake_atom, int64_t at_us) { detail::on_wake<Entity>(self, at_us); },
      [=](await_atom) {
        detail::on_await<Entity>(self, self->make_response_promise());
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
          [=] { detail::on_idle<Entity>(self); },
  };
}

} // namespace tillroll

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::trace_ids)
