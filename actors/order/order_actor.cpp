#include "actors/order/order_actor.hpp"

#include "actors/cart/cart_actor.hpp"
#include "actors/flash_sale/flash_sale_actor.hpp"
#include "actors/payment/payment_actor.hpp"
#include "actors/payment/psp_actor.hpp"
#include "actors/saga.hpp"
#include "actors/sku/sku_actor.hpp"

#include <caf/actor_system.hpp>

#include <algorithm>
#include <cassert>
#include <functional>

namespace tillroll {

namespace {

using order_self = entity_actor_type<order_entity>;

void finish(order_self* self, order_command command) {
  saga_finish<order_entity>(self, std::move(command));
}

void retry_later(order_self* self) {
  saga_retry_later<order_entity>(self);
}

std::vector<std::string> line_skus(const order_state& state) {
  std::vector<std::string> skus;
  for (auto& line : state.placed.lines)
    skus.push_back(line.sku);
  return skus;
}

const order_line& line_of(const order_state& state, const std::string& sku) {
  auto& lines = state.placed.lines;
  auto found = std::find_if(lines.begin(), lines.end(),
                            [&](auto& line) { return line.sku == sku; });
  assert(found != lines.end());
  return *found;
}

/// What a flash sale is sent for a line's stock step: a hold comes with
/// the buyer and the ticket, which the sale checks.
flash_sale_command sale_step_of(const order_state& state,
                                const std::string& order_id, sku_command step) {
  if (auto* hold = std::get_if<reserve_stock>(&step))
    return sale_reserve{order_id, state.placed.buyer_id,
                        state.flash_sale.ticket, hold->quantity, hold->ttl};
  return sale_stock_step{std::move(step)};
}

/// Calls the holder of every line's stock, the line's SKU or the flash
/// sale the order buys from; once every answer is in, `done` gets the
/// lines refused for good and, for a sale, why. A passing failure
/// retries the step.
void call_holders(order_self* self,
                  std::function<sku_command(const order_line&)> command,
                  std::function<void(std::vector<std::string>, errc)> done,
                  final_test is_final = final_code) {
  auto& state = self->state.state;
  if (state.flash_sale.sale_id.empty())
    return saga_call_all<sku_entity>(
        self, line_skus(state),
        [self, command](const std::string& sku) {
          return command(line_of(self->state.state, sku));
        },
        [done](refusals refused) {
          // A SKU refuses for its stock; an unreachable member is said so.
          done(std::move(refused.ids), refused.first == errc::node_unavailable
                                           ? errc::node_unavailable
                                           : errc::out_of_stock);
        },
        is_final);
  auto& line = state.placed.lines.front();
  saga_call<flash_sale_entity>(
      self, state.flash_sale.sale_id,
      sale_step_of(state, self->state.id, command(line)),
      [self, done, is_final, sku = line.sku](expected<flash_sale_view> answer) {
        if (answer)
          return done({}, errc::none);
        if (!is_final(answer.error().code))
          return retry_later(self);
        done({sku}, answer.error().code);
      });
}

/// Calls the holder of every line's stock; once every answer is in, the
/// step ends with the command `done` makes of the lines refused for good.
void for_each_line(
    order_self* self, std::function<sku_command(const order_line&)> command,
    std::function<order_command(std::vector<std::string>)> done) {
  call_holders(self, std::move(command),
               [self, done](std::vector<std::string> refused, errc) {
                 finish(self, done(std::move(refused)));
               });
}

/// Asks the order's payment to take the PSP step and goes on with its
/// answer; no answer retries the step.
template <class Request>
void ask_payment_then(order_self* self, Request request,
                      std::function<void(const psp_answer&)> then) {
  auto trace = saga_trace(self);
  request.correlation_id = std::move(trace.correlation_id);
  request.causation_id = std::move(trace.causation_id);
  call_entity<psp_answer>(
      self, self->state.context->registry, payment_entity::kind,
      payment_id_of(self->state.state), caf::make_message(std::move(request)),
      payment_step_timeout, [self, then](expected<psp_answer> answer) {
        if (!answer)
          return retry_later(self);
        then(*answer);
      });
}

/// Confirms every line's hold, then ends the step with the command `done`
/// makes of the lines whose holds had ended.
void confirm_then(order_self* self,
                  std::function<order_command(std::vector<std::string>)> done) {
  auto id = self->state.id;
  // A line refused for good had its hold end before the payment settled:
  // the order cannot be filled; the lines that did sell go back, line by
  // line.
  for_each_line(
      self,
      [id](const order_line&) { return sku_command{confirm_reservation{id}}; },
      std::move(done));
}

struct step_runner {
  order_self* self;

  const std::string& order_id() const { return self->state.id; }

  void operator()(const reserve_lines&) {
    auto id = order_id();
    auto ttl = self->state.context->saga.reservation_ttl;
    // A line refused for good is short: the order cancels out_of_stock,
    // or with the flash sale's reason.
    auto* actor = self;
    call_holders(
        self,
        [id, ttl](const order_line& line) {
          return sku_command{reserve_stock{id, line.quantity, ttl}};
        },
        [actor, ttl](std::vector<std::string> shorts, errc why) {
          auto reason = why == errc::none ? std::string{"out_of_stock"}
                                          : std::string{to_string(why)};
          finish(actor, order_command{record_reservation{
                            std::move(shorts), std::move(reason), ttl}});
        },
        unsent_or_final);
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

  void operator()(const charge_payment& step) {
    // Every charge and every status check first extends the holds, unless
    // they are sure to outlast it: never a charge without a live hold.
    // Once a hold ended, the payment only asks what became of a charge
    // already sent.
    auto* actor = self;
    auto charge = [actor](const std::vector<std::string>& lost) {
      auto& order = actor->state.state;
      bool live = lost.empty();
      if (!live && order.payment_id.empty())
        return finish(actor, record_hold_lost{});
      auto& placed = order.placed;
      // Checks come well within the hold, since each extends it.
      auto check_after = std::min<std::chrono::microseconds>(
          payment_check_interval,
          actor->state.context->saga.reservation_ttl / 2);
      ask_payment_then(
          actor,
          charge_request{request_payment{actor->state.id, placed.total_cents,
                                         placed.currency, placed.payment_token},
                         live},
          [actor, live, check_after](const psp_answer& answer) {
            // Captured with the holds live: the lines are confirmed first
            // and the capture recorded with the sale, one append for two.
            if (captured_into_sale(actor->state.state, answer.status, live))
              return confirm_then(actor, [reference = answer.reference](
                                             std::vector<std::string> lost) {
                return order_command{record_sale{reference, std::move(lost)}};
              });
            finish(actor, payment_answered(answer.status, answer.reference,
                                           live, check_after));
          });
    };
    if (!step.extend_holds)
      return charge({});
    auto id = order_id();
    auto ttl = self->state.context->saga.reservation_ttl;
    call_holders(
        self,
        [id, ttl](const order_line&) {
          return sku_command{extend_reservation{id, ttl}};
        },
        [charge](std::vector<std::string> lost, errc) { charge(lost); });
  }

  void operator()(const confirm_lines&) {
    confirm_then(self, [](std::vector<std::string> lost) {
      return order_command{record_stock_confirmed{std::move(lost)}};
    });
  }

  void operator()(const start_fulfillment&) {
    // The checkout is confirmed: the buyer's cart is cleared (once per
    // order, and only if the order was made from it), then fulfillment
    // begins.
    auto* actor = self;
    auto& placed = self->state.state.placed;
    if (!placed.from_cart)
      return finish(actor, begin_fulfillment{});
    saga_call<cart_entity>(self, placed.buyer_id,
                           clear_cart_of(order_id(), placed.lines),
                           [actor](expected<cart_view> cleared) {
                             if (!cleared)
                               return retry_later(actor);
                             finish(actor, begin_fulfillment{});
                           });
  }

  void operator()(const refund_payment& step) {
    auto refund = step.refund;
    auto* actor = self;
    ask_payment_then(
        self, refund_request{refund.refund_id, refund.amount_cents},
        [actor, refund](const psp_answer& answer) {
          finish(actor, refund_answered(refund, answer.status, answer.reason));
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

void add_order_kind(entity_kinds& kinds) {
  kinds.emplace(std::string{order_entity::kind}, [](caf::actor_system& system,
                                                    entity_context* context,
                                                    const std::string& id) {
    return system.spawn(entity_actor<order_entity, order_driver>, context, id);
  });
}

} // namespace tillroll
