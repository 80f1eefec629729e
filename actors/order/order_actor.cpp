#include "actors/order/order_actor.hpp"

#include "actors/cart/cart_actor.hpp"
#include "actors/payment/payment_actor.hpp"
#include "actors/payment/psp_actor.hpp"
#include "actors/saga.hpp"
#include "actors/sku/sku_actor.hpp"

#include <caf/actor_system.hpp>

#include <functional>
#include <memory>

namespace tillroll {

namespace {

using order_self = entity_actor_type<order_entity>;
using outcome = record_payment_outcome::outcome;

void finish(order_self* self, order_command command) {
  saga_finish<order_entity>(self, std::move(command));
}

void retry_later(order_self* self) {
  saga_retry_later<order_entity>(self);
}

template <class Entity>
void call(order_self* self, const std::string& id,
          typename Entity::command_type command,
          std::function<void(expected<typename Entity::reply_type>)> done) {
  saga_call<Entity>(self, id, std::move(command), std::move(done));
}

using line_judge = std::function<bool(
    const order_line&, const expected<sku_view>&, std::vector<std::string>&)>;

/// Calls the SKU of every line; `judge` says whether an answer is final
/// (true), and which skus count as short; a passing failure retries the
/// step, and once every answer is final `next` gets the shorts.
void for_each_line_then(
    order_self* self, std::function<sku_command(const order_line&)> command,
    line_judge judge, std::function<void(std::vector<std::string>)> next) {
  auto& lines = self->state.state.lines;
  struct progress {
    size_t waiting = 0;
    bool passing_failure = false;
    std::vector<std::string> shorts;
  };
  auto tally = std::make_shared<progress>();
  tally->waiting = lines.size();
  for (auto& line : lines) {
    call<sku_entity>(self, line.sku, command(line),
                     [=](expected<sku_view> answer) {
                       if (!judge(line, answer, tally->shorts))
                         tally->passing_failure = true;
                       if (--tally->waiting > 0)
                         return;
                       if (tally->passing_failure)
                         retry_later(self);
                       else
                         next(std::move(tally->shorts));
                     });
  }
}

/// As for_each_line_then, the step ending with the command `done` makes.
void for_each_line(
    order_self* self, std::function<sku_command(const order_line&)> command,
    line_judge judge,
    std::function<order_command(std::vector<std::string>)> done) {
  for_each_line_then(self, std::move(command), std::move(judge),
                     [self, done](std::vector<std::string> shorts) {
                       finish(self, done(std::move(shorts)));
                     });
}

/// Extends every line's hold by the saga's TTL; `done(true)` when each
/// is live, `done(false)` when one had ended; a passing failure retries.
void extend_holds(order_self* self, std::function<void(bool)> done) {
  auto id = self->state.id;
  auto ttl = self->state.context->saga.reservation_ttl;
  auto lost = std::make_shared<bool>(false);
  for_each_line_then(
      self,
      [id, ttl](const order_line&) {
        return sku_command{extend_reservation{id, ttl}};
      },
      [lost](const order_line&, const expected<sku_view>& answer,
             std::vector<std::string>&) {
        if (answer)
          return true;
        if (!final_code(answer.error().code))
          return false;
        *lost = true;
        return true;
      },
      [lost, done](std::vector<std::string>) { done(!*lost); });
}

struct step_runner {
  order_self* self;

  const std::string& order_id() const { return self->state.id; }

  void operator()(const reserve_lines&) {
    auto id = order_id();
    auto ttl = self->state.context->saga.reservation_ttl;
    for_each_line(
        self,
        [id, ttl](const order_line& line) {
          return sku_command{reserve_stock{id, line.quantity, ttl}};
        },
        [](const order_line& line, const expected<sku_view>& answer,
           std::vector<std::string>& shorts) {
          if (answer)
            return true;
          if (!final_code(answer.error().code))
            return false;
          shorts.push_back(line.sku);
          return true;
        },
        [](std::vector<std::string> shorts) {
          return order_command{record_reservation{std::move(shorts)}};
        });
  }

  void operator()(const restore_lines&) {
    // Line by line: what was sold comes back, what is held is released,
    // and a sale the order never recorded (a confirm that landed as it was
    // cancelled) is returned too: the SKU knows what it holds and sold.
    auto id = order_id();
    auto* actor = self;
    for_each_line(
        self,
        [id, actor](const order_line& line) {
          return sku_command{restore_stock{
              id, line.quantity, line_sold(actor->state.state, line.sku)}};
        },
        [](const order_line&, const expected<sku_view>& answer,
           std::vector<std::string>&) {
          return answer || final_code(answer.error().code);
        },
        [](std::vector<std::string>) {
          return order_command{record_stock_restored{}};
        });
  }

  void operator()(const start_payment&) {
    // Recorded before anything goes to the PSP: from here on a restart
    // asks the PSP what became of the charge. The charge step extends the
    // holds first.
    finish(self, record_payment_started{});
  }

  void operator()(const charge_payment&) {
    // Every charge and every status check first extends the holds: never
    // a charge without a live hold.
    auto* actor = self;
    extend_holds(self, [actor](bool live) {
      auto& order = actor->state.state;
      auto payment_id = payment_id_of(order);
      if (!live)
        return settle_without_hold(actor, payment_id);
      call<payment_entity>(
          actor, payment_id,
          request_payment{actor->state.id, order.total_cents, order.currency,
                          order.payment_token},
          [actor, payment_id](expected<payment_view> requested) {
            if (!requested)
              return retry_later(actor);
            ask_status_then_charge(actor, payment_id, *requested);
          });
    });
  }

  /// The holds ended while the payment was open: nothing more is charged.
  /// A charge the PSP already took is recorded (and then refunded, as its
  /// lines cannot be confirmed); one still open is asked about again.
  static void settle_without_hold(order_self* self,
                                  const std::string& payment_id) {
    if (!self->state.state.payment_started)
      return finish(self, record_hold_lost{});
    auto psp = self->state.context->psp;
    self->request(psp, saga_call_timeout, psp_status_atom::value, payment_id)
        .then(
            [=](psp_answer& known) {
              if (known.status == psp_status::captured ||
                  known.status == psp_status::declined ||
                  known.status == psp_status::pending)
                return record(self, payment_id, known);
              finish(self, record_hold_lost{});
            },
            [=](caf::error&) { retry_later(self); });
  }

  /// Status first: after a crash the charge may have gone through.
  static void ask_status_then_charge(order_self* self,
                                     const std::string& payment_id,
                                     const payment_view& payment) {
    auto psp = self->state.context->psp;
    self->request(psp, saga_call_timeout, psp_status_atom::value, payment_id)
        .then(
            [=](psp_answer& known) {
              if (known.status == psp_status::captured ||
                  known.status == psp_status::declined)
                return record(self, payment_id, known);
              psp_charge charge{payment_id, payment.amount_cents,
                                payment.currency, payment.payment_token,
                                self->state.id};
              self->request(psp, saga_call_timeout, std::move(charge))
                  .then(
                      [=](psp_answer& answer) {
                        record(self, payment_id, answer);
                      },
                      [=](caf::error&) {
                        // No answer is an answer to ask about later.
                        record(self, payment_id,
                               psp_answer{psp_status::pending, "", ""});
                      });
            },
            [=](caf::error&) { retry_later(self); });
  }

  static void record(order_self* self, const std::string& payment_id,
                     const psp_answer& answer) {
    record_psp_outcome psp_outcome;
    switch (answer.status) {
    case psp_status::captured:
      psp_outcome.result = record_psp_outcome::outcome::captured;
      break;
    case psp_status::declined:
      psp_outcome.result = record_psp_outcome::outcome::declined;
      break;
    case psp_status::failed:
    case psp_status::unknown:
      psp_outcome.result = record_psp_outcome::outcome::failed;
      break;
    case psp_status::pending:
      psp_outcome.result = record_psp_outcome::outcome::pending;
      break;
    }
    psp_outcome.psp_reference = answer.reference;
    psp_outcome.reason = answer.reason;
    call<payment_entity>(self, payment_id, psp_outcome,
                         [self, psp_outcome](expected<payment_view> recorded) {
                           if (!recorded)
                             return retry_later(self);
                           record_payment_outcome order_outcome;
                           order_outcome.result =
                               static_cast<outcome>(psp_outcome.result);
                           order_outcome.psp_reference =
                               psp_outcome.psp_reference;
                           // Checks come well within the hold, since each
                           // extends it.
                           order_outcome.check_after = std::min<
                               std::chrono::microseconds>(
                               payment_check_interval,
                               self->state.context->saga.reservation_ttl / 2);
                           finish(self, order_outcome);
                         });
  }

  void operator()(const confirm_lines&) {
    auto id = order_id();
    for_each_line(
        self,
        [id](const order_line&) {
          return sku_command{confirm_reservation{id}};
        },
        [](const order_line& line, const expected<sku_view>& answer,
           std::vector<std::string>& lost) {
          if (answer)
            return true;
          if (!final_code(answer.error().code))
            return false;
          // The hold ended before the payment settled: the order cannot
          // be filled; the lines that did sell go back, line by line.
          lost.push_back(line.sku);
          return true;
        },
        [](std::vector<std::string> lost) {
          return order_command{record_stock_confirmed{std::move(lost)}};
        });
  }

  void operator()(const start_fulfillment&) {
    // The checkout is confirmed: the buyer's cart is cleared (once per
    // order, and only if the order was made from it), then fulfillment
    // begins.
    auto* actor = self;
    if (!self->state.state.from_cart)
      return finish(actor, begin_fulfillment{});
    clear_cart clearing{order_id(), {}};
    for (auto& line : self->state.state.lines)
      clearing.bought.push_back({line.sku, line.quantity});
    call<cart_entity>(self, self->state.state.buyer_id, std::move(clearing),
                      [actor](expected<cart_view> cleared) {
                        if (!cleared)
                          return retry_later(actor);
                        finish(actor, begin_fulfillment{});
                      });
  }

  void operator()(const refund_payment& step) {
    auto payment_id = payment_id_of(self->state.state);
    auto refund = step.refund;
    auto* actor = self;
    self->request(self->state.context->psp, saga_call_timeout,
                  psp_refund_atom::value, payment_id, refund.refund_id,
                  refund.amount_cents)
        .then(
            [actor, payment_id, refund](psp_answer& answer) {
              // Refused: tried again later, backing off, then parked.
              if (answer.status != psp_status::captured)
                return finish(actor, record_refund_refused{refund.refund_id,
                                                           answer.reason});
              call<payment_entity>(
                  actor, payment_id,
                  record_refund{refund.refund_id, refund.amount_cents,
                                answer.reference},
                  [actor, refund](expected<payment_view> recorded) {
                    if (!recorded)
                      return retry_later(actor);
                    finish(actor, record_refund_done{refund.refund_id});
                  });
            },
            [actor, refund](caf::error&) {
              finish(actor, record_refund_refused{refund.refund_id,
                                                  "the PSP did not answer"});
            });
  }
};

struct order_driver {
  static void on_settled(order_self* self) {
    auto& st = self->state;
    if (st.step_in_flight)
      return;
    auto step = next_step(st.state, st.context->settings.clock());
    if (!step)
      return;
    st.step_in_flight = true;
    std::visit(step_runner{self}, *step);
  }
};

} // namespace

std::string order_id_for(std::string_view buyer_id, std::string_view key) {
  std::string id{buyer_id};
  id.push_back('-');
  id.append(key);
  return id;
}

void add_order_kind(entity_kinds& kinds) {
  kinds.emplace(std::string{order_entity::kind}, [](caf::actor_system& system,
                                                    entity_context* context,
                                                    const std::string& id) {
    return system.spawn(entity_actor<order_entity, order_driver>, context, id);
  });
}

} // namespace tillroll
