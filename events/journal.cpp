#include "events/journal.hpp"

#include "events/event_log.hpp"
#include "events/keys.hpp"

#include <rocksdb/write_batch.h>

#include <cassert>
#include <cstdio>
#include <future>

namespace tillroll {

namespace {

/// How often an idle writer looks for a failure of the log's other writers.
constexpr std::chrono::milliseconds log_check_interval{50};

} // namespace

std::string_view to_string(durability mode) noexcept {
  switch (mode) {
  case durability::always:
    return "always";
  case durability::batch:
    return "batch";
  case durability::off:
    return "off";
  }
  return "always";
}

std::optional<durability> parse_durability(std::string_view text) noexcept {
  for (auto mode : {durability::always, durability::batch, durability::off})
    if (text == to_string(mode))
      return mode;
  return std::nullopt;
}

journal::journal(event_log& log, journal_options options)
    : log_(log), options_(options),
      batch_events_({1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 8192}),
      write_latency_({0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025,
                      0.05, 0.1, 0.25, 1}) {}

journal::~journal() {
  stop();
}

expected<void> journal::start() {
  auto last = log_.last_position();
  if (!last)
    return std::move(last).error();
  next_position_ = *last + 1;
  committed_position_.store(*last, std::memory_order_release);
  if (!options_.write_inline) {
    writer_ = std::thread{[this] { run_writer(); }};
    if (options_.mode != durability::off)
      syncer_ = std::thread{[this] { run_syncer(); }};
  }
  return {};
}

void journal::append(append_request request) {
  auto refuse = [&](errc code, std::string message, bool retryable) {
    request.done(make_failure(code, std::move(message), retryable));
  };
  if (request.events.empty() && request.metadata_changes.empty())
    return refuse(errc::invalid_argument, "an append needs events", false);
  if (request.events.size() > options_.request_events_max)
    return refuse(errc::too_large, "too many events in one append", false);
  if (auto valid = validate_stream_id(request.stream_id); !valid)
    return refuse(valid.error().code, valid.error().message, false);
  if (options_.owns_stream && !options_.owns_stream(request.stream_id))
    return refuse(errc::not_owner,
                  "stream " + request.stream_id +
                      " belongs to another cluster member",
                  false);
  for (auto& event : request.events)
    if (event.payload.size() > payload_size_max ||
        event.correlation_id.size() > trace_id_size_max ||
        event.causation_id.size() > trace_id_size_max)
      return refuse(errc::too_large, "event payload or trace id too large",
                    false);
  if (options_.write_inline)
    return write_single(std::move(request),
                        options_.mode == durability::always);
  std::optional<append_request> alone;
  bool notify = false;
  {
    std::lock_guard guard{mutex_};
    if (poisoned_)
      return refuse(poisoned_->code, poisoned_->message, false);
    if (stopping_)
      return refuse(errc::unavailable, "the journal is stopping", true);
    if (queue_.size() >= options_.queue_requests_max)
      return refuse(errc::overloaded, "the journal queue is full", true);
    // Nothing queued, written or unacknowledged: no group to join, so the
    // append is written and fsync'd on this thread, without the two
    // hand-offs (to the writer, to the syncer) that cost more than the
    // fsync when appends come one at a time. Only if the appender has
    // nothing else to do meanwhile: a busy entity blocked on its own fsync
    // decides its next batch late, and a hot SKU's 32 buyers got 18k
    // reservations/s instead of 50k.
    if (request.may_write_alone && options_.mode == durability::always &&
        queue_.empty() && batches_in_flight_ == 0 && !writing_alone_) {
      writing_alone_ = true;
      alone.emplace(std::move(request));
    } else {
      queue_.push_back(std::move(request));
      // The syncer wakes the writer once it has acknowledged its group.
      notify = !acknowledging_ && !writing_alone_;
    }
  }
  if (alone)
    write_alone(std::move(*alone));
  else if (notify)
    wake_.notify_one();
}

void journal::write_single(append_request request, bool sync) {
  std::vector<append_request> single;
  single.push_back(std::move(request));
  written_batch written;
  {
    // Inline, every write runs under mutex_; an append written alone
    // excludes the writer by `writing_alone_` instead.
    std::unique_lock guard{mutex_, std::defer_lock};
    if (options_.write_inline)
      guard.lock();
    write_batch(single, written, sync);
  }
  // No group came before it, so a failure is reported after the only
  // answer it could follow.
  acknowledge(written);
  report_failure();
}

void journal::write_alone(append_request request) {
  // Answered before the writer may go on, so appends of one stream are
  // answered in their order.
  write_single(std::move(request), true);
  bool queued = false;
  {
    std::lock_guard guard{mutex_};
    writing_alone_ = false;
    queued = !queue_.empty();
  }
  alone_done_.notify_all();
  if (queued)
    wake_.notify_one();
}

expected<append_receipt> journal::append_and_wait(append_request request) {
  std::promise<expected<append_receipt>> outcome;
  auto result = outcome.get_future();
  request.done = [&outcome](expected<append_receipt> receipt) {
    outcome.set_value(std::move(receipt));
  };
  append(std::move(request));
  return result.get();
}

bool journal::wait_for_commit(uint64_t position,
                              std::chrono::milliseconds timeout) {
  std::unique_lock lock{commit_mutex_};
  committed_.wait_for(lock, timeout, [&] {
    return committed_position() >= position ||
           failed_.load(std::memory_order_acquire);
  });
  return committed_position() >= position;
}

std::optional<failure> journal::failed() const {
  if (!failed_.load(std::memory_order_acquire)) {
    // A write of someone else's (a read model, a snapshot, the PSP) may
    // have failed first: the log refuses every write since, so the node
    // is as good as failed before its next append says so.
    if (auto io = log_.io_failure())
      return failure{errc::storage_failure,
                     "the log failed and needs a restart: " + io->message,
                     false};
    return std::nullopt;
  }
  std::lock_guard guard{mutex_};
  return poisoned_;
}

void journal::stop() {
  {
    std::unique_lock guard{mutex_};
    stopping_ = true;
    alone_done_.wait(guard, [&] { return !writing_alone_; });
  }
  wake_.notify_all();
  if (writer_.joinable())
    writer_.join();
  {
    std::lock_guard guard{sync_mutex_};
    writer_done_ = true;
  }
  sync_wake_.notify_all();
  if (syncer_.joinable())
    syncer_.join();
}

journal::statistics journal::stats() const noexcept {
  return {appends_.load(), events_.load(), batches_.load(), syncs_.load(),
          conflicts_.load()};
}

bool journal::poison(const failure& why, bool locked) {
  std::unique_lock guard{mutex_, std::defer_lock};
  if (!locked)
    guard.lock();
  if (poisoned_)
    return false;
  poisoned_ =
      failure{errc::storage_failure,
              "the log failed and needs a restart: " + why.message, false};
  failed_.store(true, std::memory_order_release);
  {
    // Under the commit mutex, so no waiter misses the wake-up.
    std::lock_guard commit_guard{commit_mutex_};
  }
  committed_.notify_all();
  return true;
}

void journal::report_failure() {
  std::optional<failure> why;
  {
    std::lock_guard guard{mutex_};
    if (!poisoned_ || failure_reported_)
      return;
    failure_reported_ = true;
    why = poisoned_;
  }
  std::fprintf(stderr, "tillroll: %s\n", why->message.c_str());
  if (options_.on_failure)
    options_.on_failure(*why);
}

void journal::notice_log_failure() {
  auto io = log_.io_failure();
  if (!io)
    return;
  {
    std::lock_guard guard{mutex_};
    // An append written alone may be durable and not yet answered: the
    // failure is noticed on a later look, after its answer, as it is
    // reported after the groups before it.
    if (writing_alone_ || !poison(*io, true))
      return;
  }
  if (options_.mode != durability::always) {
    report_failure();
    return;
  }
  {
    // An empty group, answered in turn: the syncer reports once it has
    // answered the groups before it.
    std::lock_guard lock{sync_mutex_};
    unsynced_.push_back(written_batch{});
    writer_has_more_ = false;
  }
  sync_wake_.notify_one();
}

void journal::run_writer() {
  std::vector<append_request> taken;
  for (;;) {
    {
      std::unique_lock lock{mutex_};
      // While the syncer acknowledges a group, its appenders append again;
      // waiting for the whole group makes one write of it, not several.
      // An idle writer looks at the log now and then: after another
      // writer's failure no append may come to fail on it.
      if (!wake_.wait_for(lock, log_check_interval, [&] {
            return stopping_ ||
                   (!queue_.empty() && !acknowledging_ && !writing_alone_);
          })) {
        lock.unlock();
        notice_log_failure();
        continue;
      }
      if (queue_.empty())
        return;
      size_t events = 0;
      while (!queue_.empty() && events < options_.batch_events_max) {
        events += queue_.front().events.size();
        taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (options_.mode == durability::always)
        ++batches_in_flight_;
    }
    written_batch written;
    write_batch(taken, written, false);
    taken.clear();
    // With fsyncs, the syncer reports a failure once it has answered the
    // groups synced before it; reported from here, an earlier group's
    // success could be delivered after the node said it had failed.
    if (options_.mode != durability::always)
      report_failure();
    bool more_queued = false;
    {
      std::lock_guard guard{mutex_};
      more_queued = !queue_.empty();
    }
    if (options_.mode != durability::always) {
      // Acknowledged once written; `batch` fsyncs on the syncer's clock.
      acknowledge(written);
      continue;
    }
    std::unique_lock lock{sync_mutex_};
    // Bounded hand-over: the writer waits when fsyncs fall behind.
    sync_room_.wait(
        lock, [&] { return unsynced_events_ < 4 * options_.batch_events_max; });
    unsynced_events_ += written.event_count;
    unsynced_.push_back(std::move(written));
    writer_has_more_ = more_queued;
    lock.unlock();
    sync_wake_.notify_one();
  }
}

bool journal::take_unsynced(std::vector<written_batch>& taken) {
  {
    std::unique_lock lock{sync_mutex_};
    if (options_.mode == durability::batch) {
      sync_wake_.wait_for(lock, options_.batch_sync_interval,
                          [&] { return writer_done_; });
    } else {
      // Appends trickle in while the last group is acknowledged; one
      // fsync for all of them beats one for the first few and another for
      // the rest, so wait while the writer still has some queued.
      sync_wake_.wait(lock, [&] {
        return writer_done_ || (!unsynced_.empty() &&
                                (!writer_has_more_ ||
                                 unsynced_events_ >= sync_group_events_min));
      });
    }
    if (options_.mode == durability::always && unsynced_.empty() &&
        writer_done_)
      return false;
    taken.swap(unsynced_);
    unsynced_events_ = 0;
  }
  sync_room_.notify_all();
  return true;
}

void journal::sync_taken(std::vector<written_batch>& taken) {
  // After a failure nothing is fsync'd again: Linux may report a second
  // fsync as fine after dropping the pages the first one could not write,
  // so a batch written before the failure is never acknowledged on a later
  // fsync's word.
  std::optional<failure> poisoned;
  {
    std::lock_guard guard{mutex_};
    poisoned = poisoned_;
  }
  expected<void> synced;
  if (poisoned) {
    synced = *poisoned;
  } else {
    auto started = std::chrono::steady_clock::now();
    synced = log_.sync_wal();
    write_latency_.record(std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - started)
                              .count());
    syncs_.fetch_add(1, std::memory_order_relaxed);
  }
  size_t events = 0;
  for (auto& written : taken) {
    events += written.event_count;
    if (!synced) {
      // Not durable: neither answered as such nor published.
      written.last_position = 0;
      for (auto& outcome : written.outcomes)
        if (outcome && outcome->has_value())
          outcome = synced.error();
    }
  }
  if (!synced && !poisoned) {
    std::fprintf(stderr, "tillroll: fsync of the log failed: %s\n",
                 synced.error().message.c_str());
    poison(synced.error());
  }
  if (options_.mode == durability::always && synced)
    batch_events_.record(static_cast<double>(events));
}

void journal::acknowledge_taken(std::vector<written_batch>& taken) {
  {
    std::lock_guard guard{mutex_};
    acknowledging_ = true;
  }
  size_t writers_batches = 0;
  for (auto& written : taken) {
    // The empty group a failure pushes is not the writer's.
    writers_batches += written.requests.empty() ? 0 : 1;
    acknowledge(written);
  }
  {
    std::lock_guard guard{mutex_};
    acknowledging_ = false;
    batches_in_flight_ -= writers_batches;
  }
  wake_.notify_one();
  taken.clear();
  report_failure();
}

void journal::run_syncer() {
  std::vector<written_batch> taken;
  uint64_t synced_events = 0;
  while (take_unsynced(taken)) {
    bool pending_writes = options_.mode == durability::always
                              ? !taken.empty()
                              : events_.load() > synced_events;
    synced_events = events_.load();
    if (pending_writes)
      sync_taken(taken);
    acknowledge_taken(taken);
    if (options_.mode == durability::batch) {
      std::lock_guard guard{sync_mutex_};
      if (writer_done_)
        return;
    }
  }
}

expected<uint64_t> journal::head_of(const std::string& stream_id) {
  if (auto found = stream_heads_.find(stream_id); found != stream_heads_.end())
    return found->second;
  auto head = log_.stream_head(stream_id);
  if (!head)
    return head;
  if (stream_heads_.size() >= options_.stream_heads_max)
    stream_heads_.clear();
  stream_heads_.emplace(stream_id, *head);
  return head;
}

/// One batch being built: its RocksDB writes and what they will make true.
struct journal::staged_batch {
  rocksdb::WriteBatch batch;
  /// Heads staged by earlier requests of this batch for the same stream.
  std::unordered_map<std::string_view, uint64_t> heads;
  uint64_t first_position = 0;
  /// The position the next staged event takes.
  uint64_t position = 0;
  size_t event_count = 0;
};

expected<append_receipt> journal::stage(append_request& request,
                                        staged_batch& staged) {
  uint64_t head = 0;
  if (auto earlier = staged.heads.find(request.stream_id);
      earlier != staged.heads.end()) {
    head = earlier->second;
  } else if (auto loaded = head_of(request.stream_id)) {
    head = *loaded;
  } else {
    return std::move(loaded).error();
  }
  if (head != request.expected_sequence) {
    conflicts_.fetch_add(1, std::memory_order_relaxed);
    return make_failure(errc::conflict,
                        "stream " + request.stream_id + " is at sequence " +
                            std::to_string(head) + ", not " +
                            std::to_string(request.expected_sequence));
  }
  append_receipt receipt{head + 1, head, 0};
  if (!request.events.empty())
    staged.batch.Put(log_.family(column_family::global),
                     position_key(staged.position),
                     global_entry(request.stream_id, receipt.first_sequence,
                                  request.events.size()));
  for (auto& event : request.events) {
    auto record = record_of(std::move(event), request.stream_id,
                            ++receipt.last_sequence, staged.position++);
    staged.batch.Put(log_.family(column_family::events),
                     stream_key(request.stream_id, record.sequence),
                     encode_record(record));
  }
  for (auto& change : request.metadata_changes) {
    if (change.value)
      staged.batch.Put(log_.family(column_family::metadata), change.key,
                       *change.value);
    else
      staged.batch.Delete(log_.family(column_family::metadata), change.key);
  }
  receipt.last_position = staged.position - 1;
  staged.event_count += request.events.size();
  staged.heads[request.stream_id] = receipt.last_sequence;
  return receipt;
}

void journal::commit(staged_batch& staged, written_batch& written, bool sync) {
  auto started = std::chrono::steady_clock::now();
  auto result =
      log_.write(staged.batch, sync, options_.mode == durability::off);
  auto finished = std::chrono::steady_clock::now();
  if (!result) {
    // Nothing of the batch is acknowledged; positions are reused.
    next_position_ = staged.first_position;
    for (auto& outcome : written.outcomes)
      if (outcome && outcome->has_value())
        outcome = result.error();
    std::fprintf(stderr, "tillroll: %s to the log failed: %s\n",
                 sync ? "a write with fsync" : "a write",
                 result.error().message.c_str());
    poison(result.error(), options_.write_inline);
    return;
  }
  next_position_ = staged.position;
  for (auto& [stream_id, head] : staged.heads)
    stream_heads_[std::string{stream_id}] = head;
  if (sync || options_.mode == durability::off) {
    write_latency_.record(
        std::chrono::duration<double>(finished - started).count());
    batch_events_.record(static_cast<double>(staged.event_count));
    if (sync)
      syncs_.fetch_add(1, std::memory_order_relaxed);
  } else if (options_.mode == durability::batch) {
    batch_events_.record(static_cast<double>(staged.event_count));
  }
  batches_.fetch_add(1, std::memory_order_relaxed);
  events_.fetch_add(staged.event_count, std::memory_order_relaxed);
  written.last_position = staged.position - 1;
  written.event_count = staged.event_count;
}

void journal::write_batch(std::vector<append_request>& requests,
                          written_batch& written, bool sync) {
  staged_batch staged;
  staged.first_position = next_position_;
  staged.position = next_position_;
  written.outcomes.resize(requests.size());
  std::optional<failure> poisoned;
  // Inline writes already hold mutex_.
  if (options_.write_inline) {
    poisoned = poisoned_;
  } else {
    std::lock_guard guard{mutex_};
    poisoned = poisoned_;
  }
  for (size_t index = 0; index < requests.size(); ++index) {
    if (poisoned)
      written.outcomes[index] = *poisoned;
    else
      written.outcomes[index] = stage(requests[index], staged);
  }
  if (staged.batch.Count() > 0)
    commit(staged, written, sync);
  appends_.fetch_add(requests.size(), std::memory_order_relaxed);
  written.requests = std::move(requests);
  requests.clear();
}

void journal::acknowledge(written_batch& written) {
  if (written.last_position > committed_position()) {
    {
      std::lock_guard guard{commit_mutex_};
      committed_position_.store(written.last_position,
                                std::memory_order_release);
    }
    committed_.notify_all();
  }
  for (size_t index = 0; index < written.requests.size(); ++index) {
    assert(written.outcomes[index].has_value());
    written.requests[index].done(std::move(*written.outcomes[index]));
  }
}

} // namespace tillroll
