#include "test/simulation/world.hpp"

#include "actors/cart/cart_state.hpp"
#include "actors/order/order_state.hpp"
#include "actors/payment/payment_state.hpp"
#include "actors/payment/psp.hpp"
#include "actors/sku/sku_state.hpp"
#include "events/keys.hpp"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "test/simulation/auditor.hpp"
#include "test/simulation/payment_provider.hpp"
#include "test/simulation/prng.hpp"
#include "test/simulation/simulated_log.hpp"

namespace tillroll::simulation {

namespace {

using namespace std::chrono_literals;
using std::chrono::microseconds;

// The saga's limits, as actors/saga.hpp and actors/entity_context.hpp set
// them, except the hold: two minutes instead of ten, so that clock jumps
// past it stay well inside the SKU's 30-minute memory of ended orders.
constexpr microseconds saga_call_timeout = 10s;
constexpr int64_t payment_step_timeout_us =
    microseconds{payment_step_timeout}.count();
constexpr microseconds saga_retry_delay = 200ms;
constexpr microseconds reservation_ttl = 2min;
/// Clock jumps stop once the run has lasted this long: the SKU forgets an
/// ended order 30 minutes after its hold (sku_order_memory), and a saga
/// step stalled that long meets the limit docs/design.md names (a sale
/// returned twice, or a unit sold to a cancelled order). The run to rest
/// takes a few minutes more.
constexpr microseconds simulated_faults_time_max = 20min;
/// Carts expire after 20 minutes untouched (30 days in the product), so
/// that expiries happen within a run.
constexpr microseconds cart_ttl = 20min;

// The simulated world's sizes, drawn per seed within these bounds.
constexpr int64_t sellers_max = 4;
constexpr int64_t skus_per_seller_max = 3;
constexpr int64_t buyers_max = 8;
constexpr int64_t initial_stock_max = 40;
/// Lines of a "buy now" checkout; carts hold what buyers put in them.
constexpr int64_t buy_now_lines_max = 3;

// Latencies: the network between entities, the journal's fsync, the PSP.
constexpr int64_t network_latency_us_max = 2'000;
constexpr int64_t fsync_latency_us_max = 3'000;
constexpr int64_t psp_latency_us_max = 50'000;
/// A late PSP answer comes this long after its request at most, past the
/// saga's 10 s call timeout.
constexpr int64_t psp_late_answer_us_max = 25'000'000;

/// Once faults stop, the world runs at most this many happenings to rest;
/// a saga that needs more is stuck.
constexpr uint64_t rest_happenings_max = 200'000;
/// At rest nothing is due within this time: what is left are far timers
/// (a cart's 30-day expiry).
constexpr microseconds rest_horizon = 1h;
/// Rounds in which the admin sends parked refunds again at rest.
constexpr int unpark_rounds_max = 3;

int64_t micros(timestamp at) {
  return at.time_since_epoch().count();
}

/// The operator: refunds, and parked refunds sent again.
const caller admin{"admin", role::admin};

using any_command =
    std::variant<sku_command, order_command, payment_command, cart_command>;
using any_reply = std::variant<expected<sku_view>, expected<order_view>,
                               expected<payment_view>, expected<cart_view>>;

// What the event queue holds.
struct entity_call {
  std::string id;
  any_command command;
  /// 0: nobody waits for the answer (a user's command).
  uint64_t call_id = 0;
};
struct entity_reply {
  uint64_t call_id = 0;
  any_reply reply;
};
enum class psp_operation : uint8_t { charge, status, refund };
struct psp_request {
  psp_operation operation = psp_operation::status;
  psp_charge charge;
  std::string key;
  std::string refund_id;
  int64_t amount_cents = 0;
  uint64_t call_id = 0;
};
struct psp_reply {
  uint64_t call_id = 0;
  psp_answer answer;
};
struct entity_wake {
  std::string stream_id;
  int64_t at_us = 0;
};
struct call_timeout {
  uint64_t call_id = 0;
};
struct step_retry {
  std::string order_id;
};
struct stream_sync {
  std::string stream_id;
};
/// An order's call of its payment's PSP step (answered as a psp_reply;
/// no answer at all when the payment could not record it).
struct payment_step {
  std::string payment_id;
  std::variant<charge_request, refund_request> request;
  uint64_t call_id = 0;
};
using happening =
    std::variant<entity_call, entity_reply, psp_request, psp_reply, entity_wake,
                 call_timeout, step_retry, stream_sync, payment_step>;

struct queued {
  /// The process incarnation that queued it: a crash ends every
  /// incarnation's messages, timers and fsyncs, except requests already on
  /// their way to the PSP, which is not ours.
  uint64_t epoch = 0;
  happening what;
};

/// An entity as the actor shell holds it (actors/entity.hpp): its state
/// applied ahead of the fsync, what is written and what is durable.
template <class Entity> struct live_entity {
  std::string id;
  std::string stream_id;
  typename Entity::state_type state{};
  uint64_t written = 0;
  uint64_t durable = 0;
  std::optional<int64_t> timer_at_us;
  /// Orders only: a saga step is under way.
  bool step_in_flight = false;

  bool settled() const { return durable == written; }
};

/// An answer that waits for its entity's append to be durable.
struct held_reply {
  std::string stream_id;
  uint64_t sequence = 0;
  entity_reply reply;
};

struct pending_call {
  std::function<void(std::optional<any_reply>)> entity_done;
  std::function<void(std::optional<psp_answer>)> psp_done;
};

struct buyer {
  std::string id;
  uint64_t keys_used = 0;
  /// Every checkout sent, by order id, to retry with the same key.
  std::map<std::string, place_order> checkouts;
};

class world {
public:
  explicit world(const simulation_options& options)
      : options_(options), random_(options.seed) {}

  simulation_result run();

private:
  // --- the clock and the queue --------------------------------------
  timestamp now() const { return timestamp{microseconds{now_us_}}; }
  void schedule(int64_t at_us, happening what) {
    queue_.emplace(std::pair{std::max(at_us, now_us_), next_order_++},
                   queued{epoch_, std::move(what)});
  }
  void schedule_in(int64_t delay_us, happening what) {
    schedule(now_us_ + delay_us, std::move(what));
  }
  void count(const std::string& fault, uint64_t by = 1) {
    result_.faults[fault] += by;
  }
  void trace(const std::string& what) {
    if (options_.trace)
      std::fprintf(stderr, "[%llu t=%lld] %s\n",
                   static_cast<unsigned long long>(step_),
                   static_cast<long long>(now_us_ - start_us_), what.c_str());
  }
  /// Takes the next live happening off the queue and handles it; false
  /// when the queue is empty.
  bool process_next();
  void handle(happening what, uint64_t epoch);

  // --- entities --------------------------------------------------------
  template <class Entity>
  live_entity<Entity>& entity(std::map<std::string, live_entity<Entity>>& all,
                              const std::string& id) {
    auto [found, fresh] = all.try_emplace(id);
    if (fresh) {
      found->second.id = id;
      found->second.stream_id = make_stream_id(Entity::kind, id);
    }
    return found->second;
  }
  live_entity<sku_entity>& sku(const std::string& id) {
    return entity(skus_, id);
  }
  live_entity<order_entity>& order(const std::string& id) {
    return entity(orders_, id);
  }
  live_entity<payment_entity>& payment(const std::string& id) {
    return entity(payments_, id);
  }
  live_entity<cart_entity>& cart(const std::string& id) {
    return entity(carts_, id);
  }
  /// Calls `visit(entity)` with the live entity of a stream.
  template <class Visit>
  void with_stream(const std::string& stream_id, Visit visit);

  template <class Entity>
  void execute(live_entity<Entity>& target,
               const typename Entity::command_type& command, uint64_t call_id);
  template <class Entity> void on_settled(live_entity<Entity>& target);
  template <class Entity> void schedule_timer(live_entity<Entity>& target);
  template <class Entity> void wake(live_entity<Entity>& target, int64_t at_us);
  void deliver_call(entity_call call);
  void synced(const std::string& stream_id);
  void crash();
  template <class Entity>
  bool recover(std::map<std::string, live_entity<Entity>>& all,
               const std::string& stream_id, size_t prefix_size);

  // --- the network -----------------------------------------------------
  void send_reply(entity_reply reply);
  template <class Target>
  void call(const std::string& id, typename Target::command_type command,
            std::function<void(expected<typename Target::reply_type>)> done);
  void call_psp(psp_request request,
                std::function<void(std::optional<psp_answer>)> done);
  void at_psp(psp_request request, uint64_t epoch);

  // --- the order saga's steps (after actors/order/order_actor.cpp) -----
  void take_next_step(const std::string& order_id);
  void finish(const std::string& order_id, order_command command);
  void retry_later(const std::string& order_id);
  void call_all_lines(const std::string& order_id,
                      std::function<sku_command(const order_line&)> command,
                      std::function<void(std::vector<std::string>)> done);
  void
  for_each_line(const std::string& order_id,
                std::function<sku_command(const order_line&)> command,
                std::function<order_command(std::vector<std::string>)> done);
  void ask_payment(const std::string& order_id, payment_step step,
                   std::function<void(const psp_answer&)> then);
  void confirm_lines_then(
      const std::string& order_id,
      std::function<order_command(std::vector<std::string>)> done);
  void run_step(const std::string& order_id, const order_step& step);

  // --- the payment's PSP step (after actors/payment/payment_actor.cpp) --
  using step_done = std::function<void(std::optional<psp_answer>)>;
  void at_payment(payment_step step);
  void take_payment_step(payment_step step);
  void payment_ask_status(const std::string& payment_id,
                          const request_payment& asked, bool holds_live,
                          step_done done);
  void payment_settle(const std::string& payment_id,
                      const request_payment& asked, psp_answer answer,
                      step_done done);

  // --- buyers, sellers and the admin ------------------------------------
  void set_up();
  void act();
  void user_command();
  void checkout(buyer& who, bool from_cart);
  const std::string* random_order();
  template <class T> const T& pick(const std::vector<T>& from) {
    return from[random_.below(from.size())];
  }
  int64_t jitter(int64_t max_us) { return random_.between(1, max_us); }

  simulation_options options_;
  prng random_;
  simulated_log log_;
  payment_provider psp_;
  auditor auditor_;
  simulation_result result_;

  int64_t start_us_ = 1'704'067'200'000'000; // 2024-01-01, fixed
  int64_t now_us_ = start_us_;
  uint64_t step_ = 0;
  uint64_t epoch_ = 0;
  uint64_t next_order_ = 0;
  uint64_t next_call_id_ = 1;
  bool faults_ = true;
  std::map<std::pair<int64_t, uint64_t>, queued> queue_;
  std::map<uint64_t, pending_call> calls_;
  std::vector<held_reply> held_;

  std::map<std::string, live_entity<sku_entity>> skus_;
  std::map<std::string, live_entity<order_entity>> orders_;
  std::map<std::string, live_entity<payment_entity>> payments_;
  std::map<std::string, live_entity<cart_entity>> carts_;
  /// Per payment, as payment_actor.cpp's psp_steps: whether a PSP step is
  /// under way, and the steps waiting behind it.
  struct payment_desk {
    bool busy = false;
    std::deque<payment_step> waiting;
  };
  std::map<std::string, payment_desk> payment_desks_;

  struct listed_sku {
    std::string id;
    std::string product_id;
    std::string seller_id;
  };
  std::vector<listed_sku> listed_;
  std::vector<std::string> sellers_;
  std::vector<buyer> buyers_;
  std::vector<std::string> order_ids_;
  uint64_t stock_keys_used_ = 0;
  uint64_t refund_keys_used_ = 0;
};

// --- entities ------------------------------------------------------------

template <class Visit>
void world::with_stream(const std::string& stream_id, Visit visit) {
  auto kind = std::string_view{stream_id}.substr(0, stream_id.find('-'));
  auto id = stream_id.substr(kind.size() + 1);
  if (kind == sku_entity::kind)
    visit(sku(id));
  else if (kind == order_entity::kind)
    visit(order(id));
  else if (kind == payment_entity::kind)
    visit(payment(id));
  else if (kind == cart_entity::kind)
    visit(cart(id));
}

// Decide, append (not yet durable), apply, and answer once durable: the
// actor shell's drain, one command at a time.
template <class Entity>
void world::execute(live_entity<Entity>& target,
                    const typename Entity::command_type& command,
                    uint64_t call_id) {
  using reply_type = typename Entity::reply_type;
  auto decided = decide(target.state, command, now());
  if (options_.trace) {
    std::string what =
        target.stream_id + " command #" + std::to_string(command.index()) + ":";
    if (!decided)
      what += " refused, " + decided.error().message;
    else
      for (auto& event : *decided)
        what += " " + std::string{event_name(event)};
    trace(what);
  }
  std::optional<expected<reply_type>> answer;
  if (!decided) {
    answer.emplace(std::move(decided).error());
  } else {
    if (!decided->empty()) {
      log_.append(target.stream_id, *decided, now());
      for (auto& event : *decided)
        apply_event(target.state, event);
      target.written += decided->size();
      result_.events_appended += decided->size();
      schedule_in(jitter(fsync_latency_us_max), stream_sync{target.stream_id});
    }
    answer.emplace(Entity::reply(target.state, command));
  }
  if (call_id != 0) {
    entity_reply reply{call_id, any_reply{std::move(*answer)}};
    if (target.settled())
      send_reply(std::move(reply));
    else
      held_.push_back({target.stream_id, target.written, std::move(reply)});
  }
  if (target.settled())
    on_settled(target);
}

template <class Entity> void world::on_settled(live_entity<Entity>& target) {
  schedule_timer(target);
  if constexpr (std::is_same_v<Entity, order_entity>)
    take_next_step(target.id);
}

template <class Entity>
void world::schedule_timer(live_entity<Entity>& target) {
  if constexpr (requires { Entity::next_deadline(target.state); }) {
    auto deadline = Entity::next_deadline(target.state);
    if (!deadline)
      return;
    auto at_us = micros(*deadline);
    if (target.timer_at_us && *target.timer_at_us <= at_us)
      return;
    target.timer_at_us = at_us;
    schedule(at_us, entity_wake{target.stream_id, at_us});
  }
}

template <class Entity>
void world::wake(live_entity<Entity>& target, int64_t at_us) {
  if constexpr (requires { Entity::on_deadline(target.state, now()); }) {
    if (target.timer_at_us == at_us)
      target.timer_at_us.reset();
    if (auto command = Entity::on_deadline(target.state, now()))
      execute(target, *command, 0);
    else if (target.settled())
      schedule_timer(target);
  }
}

void world::deliver_call(entity_call call) {
  std::visit(
      [&](auto& command) {
        using command_type = std::decay_t<decltype(command)>;
        if constexpr (std::is_same_v<command_type, sku_command>)
          execute(sku(call.id), command, call.call_id);
        else if constexpr (std::is_same_v<command_type, order_command>)
          execute(order(call.id), command, call.call_id);
        else if constexpr (std::is_same_v<command_type, payment_command>)
          execute(payment(call.id), command, call.call_id);
        else
          execute(cart(call.id), command, call.call_id);
      },
      call.command);
}

void world::synced(const std::string& stream_id) {
  auto durable = log_.sync(stream_id);
  std::vector<held_reply> ready;
  std::erase_if(held_, [&](held_reply& held) {
    if (held.stream_id != stream_id || held.sequence > durable)
      return false;
    ready.push_back(std::move(held));
    return true;
  });
  for (auto& held : ready)
    send_reply(std::move(held.reply));
  with_stream(stream_id, [&](auto& target) {
    target.durable = durable;
    if (target.settled())
      on_settled(target);
  });
}

template <class Entity>
bool world::recover(std::map<std::string, live_entity<Entity>>& all,
                    const std::string& stream_id, size_t prefix_size) {
  auto events = log_.read<typename Entity::event_type>(stream_id);
  if (!events) {
    result_.passed = false;
    result_.failed_step = step_;
    result_.failure = "recovery failed: " + events.error().message;
    return false;
  }
  auto& target = entity(all, stream_id.substr(prefix_size));
  for (auto& event : *events)
    apply_event(target.state, event);
  target.written = target.durable = events->size();
  return true;
}

// Every process dies: what was not fsync'd is lost on the streams the
// crash hits (all of them, or some: an fsync may have raced the crash and
// won), every in-memory state and message goes, and each entity is
// rebuilt from its durable events as the actor's recovery does.
void world::crash() {
  bool all = random_.chance(30);
  count(all ? "crash_all_streams" : "crash_some_streams");
  ++epoch_;
  uint64_t lost = 0;
  for (auto& [stream_id, stream] : log_.streams()) {
    (void)stream;
    if (log_.unsynced(stream_id))
      lost += log_.crash(stream_id, all || random_.chance(50));
  }
  if (lost > 0)
    count("unsynced_events_lost", lost);
  trace("crash, " + std::to_string(lost) + " unsynced events lost");
  calls_.clear();
  held_.clear();
  skus_.clear();
  orders_.clear();
  payments_.clear();
  carts_.clear();
  payment_desks_.clear();
  for (auto& [stream_id, stream] : log_.streams()) {
    (void)stream;
    auto kind = stream_id.substr(0, stream_id.find('-'));
    auto prefix = kind.size() + 1;
    bool ok = kind == sku_entity::kind     ? recover(skus_, stream_id, prefix)
              : kind == order_entity::kind ? recover(orders_, stream_id, prefix)
              : kind == payment_entity::kind
                  ? recover(payments_, stream_id, prefix)
              : kind == cart_entity::kind ? recover(carts_, stream_id, prefix)
                                          : true;
    if (!ok)
      return;
  }
  // Timers come back from the timer index, sagas with work left from the
  // resume index (actors/entity.hpp); here from the recovered states.
  for (auto& [id, target] : skus_)
    schedule_timer(target);
  for (auto& [id, target] : carts_)
    schedule_timer(target);
  for (auto& [id, target] : orders_) {
    schedule_timer(target);
    if (order_entity::pending_work(target.state))
      schedule_in(0, step_retry{id});
  }
}

// --- the network -----------------------------------------------------------

void world::send_reply(entity_reply reply) {
  if (faults_ && random_.chance(1)) {
    count("reply_lost");
    return;
  }
  if (faults_ && random_.chance(1)) {
    count("reply_duplicated");
    schedule_in(jitter(network_latency_us_max * 10), reply);
  }
  schedule_in(jitter(network_latency_us_max), std::move(reply));
}

template <class Target>
void world::call(
    const std::string& id, typename Target::command_type command,
    std::function<void(expected<typename Target::reply_type>)> done) {
  using reply_type = typename Target::reply_type;
  auto call_id = next_call_id_++;
  calls_[call_id].entity_done = [done](std::optional<any_reply> reply) {
    if (!reply)
      return done(make_failure(errc::timeout, "the request timed out", true));
    done(std::get<expected<reply_type>>(std::move(*reply)));
  };
  schedule_in(saga_call_timeout.count(), call_timeout{call_id});
  entity_call message{id, any_command{std::move(command)}, call_id};
  if (faults_ && random_.chance(1)) {
    count("call_lost");
    return;
  }
  if (faults_ && random_.chance(1)) {
    count("call_duplicated");
    schedule_in(jitter(network_latency_us_max * 10), message);
  }
  schedule_in(jitter(network_latency_us_max), std::move(message));
}

void world::call_psp(psp_request request,
                     std::function<void(std::optional<psp_answer>)> done) {
  auto call_id = next_call_id_++;
  calls_[call_id].psp_done = std::move(done);
  request.call_id = call_id;
  schedule_in(saga_call_timeout.count(), call_timeout{call_id});
  if (faults_ && random_.chance(2)) {
    count("psp_duplicate_request");
    schedule_in(jitter(psp_latency_us_max), request);
  }
  schedule_in(jitter(psp_latency_us_max), std::move(request));
}

// The PSP's side of a call, with its faults: a request that never arrives
// or meets a PSP that is down changes nothing; one that lands may still
// lose its answer (a timeout), answer 500 after the money moved, answer
// late (past the caller's timeout) or twice.
void world::at_psp(psp_request request, uint64_t epoch) {
  if (faults_ && random_.chance(4)) {
    count("psp_request_lost");
    return;
  }
  psp_answer answer;
  if (faults_ && random_.chance(4)) {
    count("psp_unavailable");
    // A status query gets no answer: psp_adapter's `failed` also means
    // "the last charge failed, no money taken", and a saga whose hold
    // ended takes it as such and cancels (seed 80 found an order charged
    // and cancelled that way when a 503 answered `failed`; see the note in
    // docs/design.md). A charge or refund is refused without effect.
    if (request.operation == psp_operation::status)
      return;
    answer = {payment_outcome::failed, "", "503 service unavailable"};
  } else {
    switch (request.operation) {
    case psp_operation::charge:
      answer = psp_.charge(request.charge);
      break;
    case psp_operation::status:
      answer = psp_.status(request.key);
      break;
    case psp_operation::refund:
      answer =
          psp_.refund(request.key, request.refund_id, request.amount_cents);
      break;
    }
    if (faults_ && random_.chance(8)) {
      count("psp_timeout");
      return;
    }
    if (faults_ && request.operation != psp_operation::status &&
        answer.status == payment_outcome::captured && random_.chance(15)) {
      count("psp_500_after_success");
      answer = {payment_outcome::failed, "", "500 internal server error"};
    }
  }
  auto delay = jitter(psp_latency_us_max);
  if (faults_ && random_.chance(8)) {
    count("psp_late_answer");
    delay = jitter(psp_late_answer_us_max);
  }
  psp_reply reply{request.call_id, std::move(answer)};
  // The answer goes to the incarnation that asked: after a crash, nobody.
  auto queue_reply = [&](int64_t after_us) {
    queue_.emplace(std::pair{now_us_ + after_us, next_order_++},
                   queued{epoch, reply});
  };
  if (faults_ && random_.chance(8)) {
    count("psp_duplicate_answer");
    queue_reply(delay + jitter(psp_latency_us_max));
  }
  queue_reply(delay);
}

// --- the order saga ----------------------------------------------------------
// A mirror of actors/order/order_actor.cpp's step_runner: the same calls
// with the same commands, and the same reading of each answer (final,
// passing, timed out) into the order command that ends the step. The step
// itself comes from the order's own `next_step`, shared with the actor.

void world::take_next_step(const std::string& order_id) {
  auto& target = order(order_id);
  if (target.step_in_flight || !target.settled())
    return;
  auto step = next_step(target.state, now());
  if (!step)
    return;
  target.step_in_flight = true;
  run_step(order_id, *step);
}

void world::finish(const std::string& order_id, order_command command) {
  auto& target = order(order_id);
  target.step_in_flight = false;
  execute(target, command, 0);
}

void world::retry_later(const std::string& order_id) {
  schedule_in(saga_retry_delay.count(), step_retry{order_id});
}

bool final_code(errc code) {
  // As actors/saga.hpp's final_code (that header is CAF code).
  return code == errc::out_of_stock || code == errc::not_found ||
         code == errc::invalid_argument || code == errc::wrong_state ||
         code == errc::conflict || code == errc::forbidden ||
         code == errc::delisted || code == errc::currency_mismatch ||
         code == errc::reservation_expired;
}

// As saga_call_all: every line's SKU at once; `done` gets the lines
// refused for good, and a passing failure retries the step.
void world::call_all_lines(
    const std::string& order_id,
    std::function<sku_command(const order_line&)> command,
    std::function<void(std::vector<std::string>)> done) {
  struct progress {
    size_t waiting = 0;
    bool passing_failure = false;
    std::vector<std::string> refused;
  };
  auto lines = order(order_id).state.placed.lines;
  auto tally = std::make_shared<progress>();
  tally->waiting = lines.size();
  for (auto& line : lines)
    call<sku_entity>(
        line.sku, command(line),
        [this, order_id, line, done, tally](expected<sku_view> answer) {
          if (!answer) {
            if (final_code(answer.error().code))
              tally->refused.push_back(line.sku);
            else
              tally->passing_failure = true;
          }
          if (--tally->waiting > 0)
            return;
          if (tally->passing_failure)
            retry_later(order_id);
          else
            done(std::move(tally->refused));
        });
}

void world::for_each_line(
    const std::string& order_id,
    std::function<sku_command(const order_line&)> command,
    std::function<order_command(std::vector<std::string>)> done) {
  call_all_lines(order_id, std::move(command),
                 [this, order_id, done](std::vector<std::string> refused) {
                   finish(order_id, done(std::move(refused)));
                 });
}

void world::ask_payment(const std::string& order_id, payment_step step,
                        std::function<void(const psp_answer&)> then) {
  auto call_id = next_call_id_++;
  calls_[call_id].psp_done = [this, order_id,
                              then](std::optional<psp_answer> answer) {
    if (!answer) {
      trace("order " + order_id + ": no answer from its payment");
      return retry_later(order_id);
    }
    trace("order " + order_id + ": payment answered " +
          std::string{to_string(answer->status)});
    then(*answer);
  };
  step.call_id = call_id;
  trace("order " + order_id + ": asks payment " + step.payment_id +
        (std::holds_alternative<charge_request>(step.request) ? " to charge"
                                                              : " to refund"));
  schedule_in(payment_step_timeout_us, call_timeout{call_id});
  if (faults_ && random_.chance(1)) {
    count("call_lost");
    return;
  }
  schedule_in(jitter(network_latency_us_max), std::move(step));
}

void world::confirm_lines_then(
    const std::string& order_id,
    std::function<order_command(std::vector<std::string>)> done) {
  trace("order " + order_id + ": confirm lines");
  for_each_line(
      order_id,
      [order_id](const order_line&) {
        return sku_command{confirm_reservation{order_id}};
      },
      std::move(done));
}

void world::run_step(const std::string& order_id, const order_step& step) {
  std::visit(
      [&](auto& chosen) {
        using step_type = std::decay_t<decltype(chosen)>;
        if constexpr (std::is_same_v<step_type, reserve_lines>) {
          trace("order " + order_id + ": reserve lines");
          for_each_line(
              order_id,
              [order_id](const order_line& line) {
                return sku_command{
                    reserve_stock{order_id, line.quantity, reservation_ttl}};
              },
              [](std::vector<std::string> shorts) {
                return order_command{record_reservation{
                    std::move(shorts), "out_of_stock", reservation_ttl}};
              });
        } else if constexpr (std::is_same_v<step_type, restore_lines>) {
          trace("order " + order_id + ": restore lines");
          for_each_line(
              order_id,
              [this, order_id](const order_line& line) {
                return sku_command{
                    restore_stock{order_id, line.quantity,
                                  line_sold(order(order_id).state, line.sku)}};
              },
              [](std::vector<std::string>) {
                return order_command{record_stock_restored{}};
              });
        } else if constexpr (std::is_same_v<step_type, start_payment>) {
          finish(order_id, record_payment_started{});
        } else if constexpr (std::is_same_v<step_type, charge_payment>) {
          trace("order " + order_id + ": charge");
          auto charge = [this, order_id](const std::vector<std::string>& lost) {
            auto& state = order(order_id).state;
            bool live = lost.empty();
            if (!live && state.payment_id.empty())
              return finish(order_id, record_hold_lost{});
            auto& placed = state.placed;
            auto check_after = std::min<microseconds>(payment_check_interval,
                                                      reservation_ttl / 2);
            ask_payment(
                order_id,
                payment_step{
                    payment_id_of(state),
                    charge_request{request_payment{order_id, placed.total_cents,
                                                   placed.currency,
                                                   placed.payment_token},
                                   live}},
                [this, order_id, live, check_after](const psp_answer& answer) {
                  if (captured_into_sale(order(order_id).state, answer.status,
                                         live)) {
                    count("capture_into_sale");
                    return confirm_lines_then(
                        order_id, [reference = answer.reference](
                                      std::vector<std::string> lost) {
                          return order_command{
                              record_sale{reference, std::move(lost)}};
                        });
                  }
                  finish(order_id,
                         payment_answered(answer.status, answer.reference, live,
                                          check_after));
                });
          };
          if (!chosen.extend_holds) {
            count("extension_skipped");
            return charge({});
          }
          call_all_lines(
              order_id,
              [order_id](const order_line&) {
                return sku_command{
                    extend_reservation{order_id, reservation_ttl}};
              },
              [charge](std::vector<std::string> lost) { charge(lost); });
        } else if constexpr (std::is_same_v<step_type, confirm_lines>) {
          confirm_lines_then(order_id, [](std::vector<std::string> lost) {
            return order_command{record_stock_confirmed{std::move(lost)}};
          });
        } else if constexpr (std::is_same_v<step_type, start_fulfillment>) {
          auto& placed = order(order_id).state.placed;
          if (!placed.from_cart)
            return finish(order_id, begin_fulfillment{});
          call<cart_entity>(placed.buyer_id,
                            clear_cart_of(order_id, placed.lines),
                            [this, order_id](expected<cart_view> cleared) {
                              if (!cleared)
                                return retry_later(order_id);
                              finish(order_id, begin_fulfillment{});
                            });
        } else if constexpr (std::is_same_v<step_type, refund_payment>) {
          trace("order " + order_id + ": refund " + chosen.refund.refund_id);
          auto refund = chosen.refund;
          ask_payment(order_id,
                      payment_step{payment_id_of(order(order_id).state),
                                   refund_request{refund.refund_id,
                                                  refund.amount_cents}},
                      [this, order_id, refund](const psp_answer& answer) {
                        finish(order_id, refund_answered(refund, answer.status,
                                                         answer.reason));
                      });
        }
      },
      step);
}

// The payment's side of the step: its own records go through its decider
// as commands (the actor sends them to itself), the PSP is asked with the
// payment's key.
void world::at_payment(payment_step step) {
  auto& desk = payment_desks_[step.payment_id];
  if (desk.busy) {
    if (desk.waiting.size() < payment_steps_waiting_max)
      desk.waiting.push_back(std::move(step));
    return;
  }
  desk.busy = true;
  take_payment_step(std::move(step));
}

void world::take_payment_step(payment_step step) {
  auto reply = [this, call_id = step.call_id, payment_id = step.payment_id](
                   std::optional<psp_answer> answer) {
    // A step whose record failed answers with the error: the order
    // retries, as after no answer.
    if (answer)
      schedule_in(jitter(network_latency_us_max),
                  psp_reply{call_id, std::move(*answer)});
    auto& desk = payment_desks_[payment_id];
    desk.busy = false;
    if (desk.waiting.empty())
      return;
    auto next = std::move(desk.waiting.front());
    desk.waiting.pop_front();
    at_payment(std::move(next));
  };
  auto payment_id = step.payment_id;
  if (auto* charge = std::get_if<charge_request>(&step.request)) {
    // A charge the payment would refuse to record is never sent.
    auto checked = decide(payment(payment_id).state,
                          payment_command{charge->payment}, now());
    if (!checked)
      return reply(std::nullopt);
    return payment_ask_status(payment_id, charge->payment, charge->holds_live,
                              reply);
  }
  auto refund = std::get<refund_request>(step.request);
  psp_request request;
  request.operation = psp_operation::refund;
  request.key = payment_id;
  request.refund_id = refund.refund_id;
  request.amount_cents = refund.amount_cents;
  call_psp(request, [this, payment_id, refund,
                     reply](std::optional<psp_answer> answer) {
    if (!answer)
      return reply(
          psp_answer{payment_outcome::failed, "", "the PSP did not answer"});
    if (answer->status != payment_outcome::captured)
      return reply(*answer);
    call<payment_entity>(
        payment_id,
        record_refund{refund.refund_id, refund.amount_cents, answer->reference},
        [answer, reply](expected<payment_view> recorded) {
          if (!recorded)
            return reply(std::nullopt);
          reply(*answer);
        });
  });
}

void world::payment_ask_status(const std::string& payment_id,
                               const request_payment& asked, bool holds_live,
                               step_done done) {
  psp_request request;
  request.operation = psp_operation::status;
  request.key = payment_id;
  call_psp(request, [this, payment_id, asked, holds_live,
                     done](std::optional<psp_answer> known) {
    if (!known)
      return done(std::nullopt);
    if (charge_after_status(known->status, holds_live)) {
      psp_request charge;
      charge.operation = psp_operation::charge;
      charge.charge = psp_charge{payment_id, asked.amount_cents, asked.currency,
                                 asked.payment_token, asked.order_id};
      return call_psp(charge, [this, payment_id, asked,
                               done](std::optional<psp_answer> answer) {
        // No answer is an answer to ask about later.
        payment_settle(
            payment_id, asked,
            answer.value_or(psp_answer{payment_outcome::pending, "", ""}),
            done);
      });
    }
    if (holds_live || settles_without_hold(known->status))
      return payment_settle(payment_id, asked, *known, done);
    done(*known);
  });
}

void world::payment_settle(const std::string& payment_id,
                           const request_payment& asked, psp_answer answer,
                           step_done done) {
  call<payment_entity>(
      payment_id,
      record_charge{asked, record_psp_outcome{answer.status, answer.reference,
                                              answer.reason}},
      [answer, done](expected<payment_view> recorded) {
        if (!recorded)
          return done(std::nullopt);
        done(answer);
      });
}

// --- the queue -------------------------------------------------------------

bool world::process_next() {
  while (!queue_.empty()) {
    auto node = queue_.extract(queue_.begin());
    auto at_us = node.key().first;
    auto& next = node.mapped();
    bool to_psp = std::holds_alternative<psp_request>(next.what);
    // A crash ended the incarnation that queued it.
    if (next.epoch != epoch_ && !to_psp)
      continue;
    now_us_ = std::max(now_us_, at_us);
    handle(std::move(next.what), next.epoch);
    return true;
  }
  return false;
}

void world::handle(happening what, uint64_t epoch) {
  std::visit(
      [&](auto& event) {
        using event_type = std::decay_t<decltype(event)>;
        if constexpr (std::is_same_v<event_type, entity_call>) {
          deliver_call(std::move(event));
        } else if constexpr (std::is_same_v<event_type, entity_reply>) {
          auto found = calls_.find(event.call_id);
          // Answered already, or timed out: dropped, as CAF drops it.
          if (found == calls_.end() || !found->second.entity_done)
            return;
          auto done = std::move(found->second.entity_done);
          calls_.erase(found);
          done(std::move(event.reply));
        } else if constexpr (std::is_same_v<event_type, psp_request>) {
          at_psp(std::move(event), epoch);
        } else if constexpr (std::is_same_v<event_type, psp_reply>) {
          auto found = calls_.find(event.call_id);
          if (found == calls_.end() || !found->second.psp_done)
            return;
          auto done = std::move(found->second.psp_done);
          calls_.erase(found);
          done(std::move(event.answer));
        } else if constexpr (std::is_same_v<event_type, entity_wake>) {
          with_stream(event.stream_id,
                      [&](auto& target) { wake(target, event.at_us); });
        } else if constexpr (std::is_same_v<event_type, call_timeout>) {
          auto found = calls_.find(event.call_id);
          if (found == calls_.end())
            return;
          auto waiting = std::move(found->second);
          calls_.erase(found);
          if (waiting.entity_done)
            waiting.entity_done(std::nullopt);
          else
            waiting.psp_done(std::nullopt);
        } else if constexpr (std::is_same_v<event_type, step_retry>) {
          auto& target = order(event.order_id);
          target.step_in_flight = false;
          take_next_step(event.order_id);
        } else if constexpr (std::is_same_v<event_type, stream_sync>) {
          synced(event.stream_id);
        } else if constexpr (std::is_same_v<event_type, payment_step>) {
          at_payment(std::move(event));
        }
      },
      what);
}

// --- buyers, sellers and the admin -----------------------------------------

void world::set_up() {
  auto sellers = random_.between(2, sellers_max);
  for (int64_t seller = 0; seller < sellers; ++seller) {
    auto seller_id = "seller" + std::to_string(seller);
    sellers_.push_back(seller_id);
    auto count = random_.between(1, skus_per_seller_max);
    for (int64_t index = 0; index < count; ++index) {
      auto number = std::to_string(listed_.size());
      listed_sku listed{"sku" + number, "product" + number, seller_id};
      execute(sku(listed.id),
              sku_command{register_sku{listed.product_id, seller_id,
                                       random_.between(100, 5000), "USD",
                                       random_.between(0, initial_stock_max)}},
              0);
      listed_.push_back(std::move(listed));
    }
  }
  auto buyers = random_.between(3, buyers_max);
  for (int64_t index = 0; index < buyers; ++index)
    buyers_.push_back({"buyer" + std::to_string(index), 0, {}});
  // The catalogue is durable before anyone shops.
  while (process_next()) {
  }
}

const std::string* world::random_order() {
  if (order_ids_.empty())
    return nullptr;
  return &pick(order_ids_);
}

void world::checkout(buyer& who, bool from_cart) {
  std::vector<std::pair<std::string, int64_t>> wanted;
  if (from_cart) {
    for (auto& line : cart_entity::reply(cart(who.id).state, get_cart{}).lines)
      wanted.emplace_back(line.sku, line.quantity);
  } else {
    auto count = random_.between(1, buy_now_lines_max);
    for (int64_t index = 0; index < count; ++index) {
      auto& listed = pick(listed_);
      if (std::none_of(wanted.begin(), wanted.end(),
                       [&](auto& seen) { return seen.first == listed.id; }))
        wanted.emplace_back(listed.id, random_.between(1, 4));
    }
  }
  if (wanted.empty())
    return;
  // The coordinator prices each line at the SKU's price of the moment.
  std::vector<order_line> lines;
  for (auto& [sku_id, quantity] : wanted) {
    auto& state = sku(sku_id).state;
    lines.push_back({sku_id, state.product_id, state.seller_id, quantity,
                     state.price_cents});
  }
  auto key = "k" + std::to_string(++who.keys_used);
  auto token_roll = random_.below(10);
  auto token = token_roll < 8    ? "tok_visa"
               : token_roll == 8 ? "tok_declined"
                                 : "tok_error";
  place_order placing{who.id, key,      std::move(lines), "USD",
                      token,  "1 Road", from_cart};
  auto order_id = who.id + "-" + key;
  order_ids_.push_back(order_id);
  who.checkouts[order_id] = placing;
  trace("checkout " + order_id + (from_cart ? " from the cart" : ""));
  schedule_in(jitter(network_latency_us_max),
              entity_call{order_id, order_command{std::move(placing)}, 0});
}

void world::user_command() {
  auto roll = random_.below(100);
  auto& who = buyers_[random_.below(buyers_.size())];
  auto send = [&](std::string id, any_command command) {
    schedule_in(jitter(network_latency_us_max),
                entity_call{std::move(id), std::move(command), 0});
  };
  if (roll < 22) {
    // The coordinator checked the SKU exists.
    auto& listed = pick(listed_);
    send(who.id, cart_command{set_cart_item{listed.id, listed.product_id,
                                            random_.between(0, 3), cart_ttl}});
  } else if (roll < 34) {
    checkout(who, true);
  } else if (roll < 46) {
    checkout(who, false);
  } else if (roll < 52) {
    // The buyer's client retries a checkout with its key.
    if (who.checkouts.empty())
      return;
    auto chosen = who.checkouts.begin();
    std::advance(chosen, random_.below(who.checkouts.size()));
    send(chosen->first, order_command{chosen->second});
  } else if (roll < 60) {
    if (auto* order_id = random_order()) {
      // The order's buyer, or now and then the admin.
      caller by{order_id->substr(0, order_id->rfind('-')), role::buyer};
      if (random_.chance(20))
        by = admin;
      send(*order_id, order_command{cancel_order{by}});
    }
  } else if (roll < 66) {
    if (auto* order_id = random_order()) {
      std::optional<int64_t> amount;
      if (random_.chance(50))
        amount = random_.between(1, 3000);
      // Some refunds are retried with their key.
      auto key =
          "r" + std::to_string(random_.chance(30) && refund_keys_used_ > 0
                                   ? refund_keys_used_
                                   : ++refund_keys_used_);
      send(*order_id, order_command{refund_order{amount, key, admin}});
    }
  } else if (roll < 84) {
    auto& listed = pick(listed_);
    auto delta = random_.between(-4, 20);
    if (delta == 0)
      delta = 1;
    std::string key;
    if (random_.chance(50))
      key = "c" + std::to_string(++stock_keys_used_);
    send(listed.id,
         sku_command{adjust_stock{delta, caller{listed.seller_id, role::seller},
                                  std::move(key)}});
  } else if (roll < 90) {
    auto& listed = pick(listed_);
    send(listed.id,
         sku_command{set_price{random_.between(100, 5000), "USD",
                               listed.product_id, listed.seller_id}});
  } else if (roll < 95) {
    if (auto* order_id = random_order())
      send(*order_id,
           order_command{ship_order{caller{pick(sellers_), role::seller}}});
  } else {
    if (auto* order_id = random_order())
      send(*order_id,
           order_command{deliver_order{caller{pick(sellers_), role::seller}}});
  }
}

void world::act() {
  auto roll = random_.below(1000);
  if (roll < 700) {
    // Only a far timer left (a cart's expiry): time passes instead of
    // leaping to it.
    if (queue_.empty() ||
        queue_.begin()->first.first > now_us_ + rest_horizon.count() ||
        !process_next())
      now_us_ += jitter(100'000);
  } else if (roll < 840) {
    user_command();
  } else if (roll < 990) {
    // Time passes: whatever is due runs in the steps that follow.
    now_us_ += jitter(200'000);
  } else if (roll < 996) {
    if (now_us_ - start_us_ + 2 * reservation_ttl.count() >
        simulated_faults_time_max.count())
      return;
    count("clock_jump_past_ttl");
    now_us_ += reservation_ttl.count() + jitter(reservation_ttl.count() / 4);
    trace("clock jump");
  } else {
    crash();
  }
}

simulation_result world::run() {
  set_up();
  for (step_ = 1; step_ <= options_.steps && result_.passed; ++step_) {
    act();
    if (!result_.passed)
      break;
    if (auto broken = auditor_.check(log_, psp_)) {
      result_.passed = false;
      result_.failed_step = step_;
      result_.failure = *broken;
    }
  }
  // Faults stop; the world runs to rest, the admin sending parked refunds
  // again, as an operator would.
  faults_ = false;
  int unpark_rounds = 0;
  uint64_t happenings = 0;
  while (result_.passed) {
    bool at_rest = queue_.empty() ||
                   queue_.begin()->first.first > now_us_ + rest_horizon.count();
    if (at_rest) {
      bool unparked = false;
      if (unpark_rounds < unpark_rounds_max) {
        ++unpark_rounds;
        for (auto& [id, target] : orders_)
          if (!target.state.refunds_parked.empty()) {
            schedule_in(
                jitter(network_latency_us_max),
                entity_call{id, order_command{unpark_refunds{admin}}, 0});
            unparked = true;
          }
      }
      if (!unparked)
        break;
    }
    if (++happenings > rest_happenings_max) {
      result_.passed = false;
      result_.failed_step = step_;
      result_.failure = "the world did not come to rest within " +
                        std::to_string(rest_happenings_max) + " happenings";
      break;
    }
    process_next();
    ++step_;
    if (auto broken = auditor_.check(log_, psp_)) {
      result_.passed = false;
      result_.failed_step = step_;
      result_.failure = *broken;
    }
  }
  if (result_.passed)
    if (auto broken = auditor_.check_final(log_, psp_)) {
      result_.passed = false;
      result_.failed_step = step_;
      result_.failure = *broken;
    }
  result_.steps_run = step_;
  result_.outcomes = auditor_.outcomes();
  result_.log_digest = log_.digest();
  return result_;
}

} // namespace

simulation_result run_simulation(const simulation_options& options) {
  world simulated{options};
  return simulated.run();
}

} // namespace tillroll::simulation
