#include "actors/order/checkout.hpp"

#include "actors/caf_error.hpp"
#include "actors/cart/cart_actor.hpp"
#include "actors/flash_sale/flash_sale_actor.hpp"
#include "actors/messages.hpp"
#include "actors/order/order_actor.hpp"
#include "actors/saga.hpp"
#include "actors/sku/sku_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>

#include <algorithm>
#include <functional>
#include <memory>

namespace tillroll {

namespace {

/// How long a checkout waits for its saga before it is refused as busy.
constexpr std::chrono::seconds checkout_timeout{30};

} // namespace

bool valid_checkout_key(std::string_view key) {
  return !key.empty() && key.size() <= checkout_key_size_max &&
         std::all_of(key.begin(), key.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                  c == '_';
         });
}

namespace {

failure refusal(errc code, std::string message) {
  return make_failure(code, std::move(message));
}

/// The key an order is placed under once the key's first order is older
/// than the key's retention: the key with the retention period it was
/// reused in. A reuse looks at the period before (an order placed there
/// may still be within the retention) and then places in the current one.
std::string successor_key(const std::string& key, int64_t period) {
  return key + "~" + std::to_string(period);
}

void place_under(caf::event_based_actor* self, entity_context* context,
                 caf::response_promise promise, checkout_request request,
                 std::vector<order_line> lines, std::string currency,
                 std::string key, int hops_left);

void place_and_await(caf::event_based_actor* self, entity_context* context,
                     caf::response_promise promise, checkout_request request,
                     std::vector<order_line> lines, std::string currency) {
  auto key = request.idempotency_key;
  place_under(self, context, promise, std::move(request), std::move(lines),
              std::move(currency), std::move(key), 2);
}

void place_under(caf::event_based_actor* self, entity_context* context,
                 caf::response_promise promise, checkout_request request,
                 std::vector<order_line> lines, std::string currency,
                 std::string key, int hops_left) {
  auto order_id = order_id_for(request.buyer_id, key);
  auto registry = context->registry;
  auto retention = context->saga.idempotency_key_retention;
  place_order command{request.buyer_id,
                      key,
                      lines,
                      currency,
                      request.payment_token,
                      request.shipping_address,
                      request.from_cart,
                      retention,
                      request.flash_sale_id,
                      request.flash_sale_ticket,
                      request.queue_for};
  self->request(registry, checkout_timeout, route_atom::value,
                std::string{order_entity::kind}, order_id,
                caf::make_message(order_command{std::move(command)}))
      .then(
          [=](order_view& placed) mutable {
            // Queued: answered once placed; the queue starts it later.
            if (request.queue_for) {
              placed.order_id = order_id;
              return promise.deliver(std::move(placed));
            }
            self->request(registry, checkout_timeout, route_atom::value,
                          std::string{order_entity::kind}, order_id,
                          caf::make_message(await_atom::value))
                .then(
                    [=](order_view& view) mutable {
                      view.order_id = order_id;
                      promise.deliver(std::move(view));
                    },
                    [=](caf::error& error) mutable { promise.deliver(error); });
          },
          [=](caf::error& error) mutable {
            if (from_caf_error(error).code != errc::key_expired ||
                hops_left == 0)
              return promise.deliver(error);
            auto period =
                context->settings.clock().time_since_epoch() / retention;
            auto next = hops_left == 2
                            ? successor_key(request.idempotency_key, period - 1)
                            : successor_key(request.idempotency_key, period);
            if (hops_left == 2) {
              // The period before: use its order if it is still within the
              // retention, else place in this period.
              self->request(registry, checkout_timeout, route_atom::value,
                            std::string{order_entity::kind},
                            order_id_for(request.buyer_id, next),
                            caf::make_message(order_command{
                                get_order{caller{request.buyer_id}}}))
                  .then(
                      [=](order_view&) mutable {
                        place_under(self, context, promise, request, lines,
                                    currency, next, 1);
                      },
                      [=](caf::error& missing) mutable {
                        if (from_caf_error(missing).code != errc::not_found)
                          return promise.deliver(missing);
                        place_under(
                            self, context, promise, request, lines, currency,
                            successor_key(request.idempotency_key, period), 0);
                      });
              return;
            }
            place_under(self, context, promise, request, lines, currency, next,
                        0);
          });
}

void checkout_lines(caf::event_based_actor* self, entity_context* context,
                    caf::response_promise promise, checkout_request request);

/// Reads the SKU of every line at once; `done` gets them in line order.
template <class Line>
void read_skus(caf::event_based_actor* self, entity_context* context,
               const std::vector<Line>& lines,
               std::function<void(std::vector<expected<sku_view>>)> done) {
  std::vector<std::string> skus;
  for (auto& line : lines)
    skus.push_back(line.sku);
  call_each<sku_entity>(
      self, context->registry, skus,
      [](const std::string&) { return sku_command{get_sku{}}; },
      checkout_timeout, std::move(done));
}

/// The order the checkout's key placed: `found` gets it, `missing` runs
/// when the key has none; any other failure is the answer.
void with_key_order(caf::event_based_actor* self, entity_context* context,
                    caf::response_promise promise,
                    const checkout_request& request,
                    std::function<void(order_view&)> found,
                    std::function<void()> missing) {
  self->request(
          context->registry, checkout_timeout, route_atom::value,
          std::string{order_entity::kind},
          order_id_for(request.buyer_id, request.idempotency_key),
          caf::make_message(order_command{get_order{caller{request.buyer_id}}}))
      .then([found](order_view& placed) { found(placed); },
            [missing, promise](caf::error& error) mutable {
              if (from_caf_error(error).code == errc::not_found)
                return missing();
              promise.deliver(error);
            });
}

void checkout(caf::event_based_actor* self, entity_context* context,
              checkout_request request) {
  auto promise = self->make_response_promise();
  if (!request.lines.empty() || request.buyer_id.empty() ||
      !valid_checkout_key(request.idempotency_key))
    return checkout_lines(self, context, promise, std::move(request));
  // No lines: the buyer's cart. A retried cart checkout finds the cart
  // cleared by its own order, so the order of the key answers first; its
  // decider still refuses other payment or shipping parameters.
  auto from_cart = [=]() mutable {
    self->request(context->registry, checkout_timeout, route_atom::value,
                  std::string{cart_entity::kind}, request.buyer_id,
                  caf::make_message(cart_command{get_cart{}}))
        .then(
            [=](cart_view& cart) mutable {
              if (cart.lines.empty())
                return promise.deliver(to_caf_error(
                    make_failure(errc::invalid_argument, "the cart is empty")));
              for (auto& line : cart.lines)
                request.lines.push_back({line.sku, line.quantity});
              request.from_cart = true;
              checkout_lines(self, context, promise, std::move(request));
            },
            [=](caf::error& error) mutable { promise.deliver(error); });
  };
  with_key_order(
      self, context, promise, request,
      [=](order_view& placed) mutable {
        // A key past its retention starts a new order from the cart.
        auto now = context->settings.clock().time_since_epoch();
        if (!placed.history.empty() &&
            now - std::chrono::microseconds{placed.history.front().at_us} >
                context->saga.idempotency_key_retention)
          return from_cart();
        place_and_await(self, context, promise, request,
                        std::move(placed.lines), placed.currency);
      },
      from_cart);
}

/// A flash sale's checkout: the sale's SKU at the sale's price, once the
/// sale has checked the buyer's ticket, limit and what is left (it checks
/// them again when the order's saga asks it for the units).
void checkout_sale(caf::event_based_actor* self, entity_context* context,
                   caf::response_promise promise, checkout_request request) {
  if (request.lines.size() != 1)
    return promise.deliver(to_caf_error(make_failure(
        errc::invalid_argument, "a flash sale's checkout has one item, the "
                                "sale's sku")));
  auto line = request.lines.front();
  auto ask_sale = [=]() mutable {
    self->request(context->registry, checkout_timeout, route_atom::value,
                  std::string{flash_sale_entity::kind}, request.flash_sale_id,
                  caf::make_message(flash_sale_command{check_admission{
                      request.buyer_id, request.flash_sale_ticket,
                      line.quantity, line.sku}}))
        .then(
            [=](flash_sale_view& sale) mutable {
              std::vector<order_line> lines{
                  order_line{line.sku, sale.product_id, sale.seller_id,
                             line.quantity, sale.terms.price_cents}};
              place_and_await(self, context, promise, request, std::move(lines),
                              sale.currency);
            },
            [=](caf::error& error) mutable { promise.deliver(error); });
  };
  // A delisted product's sale sells no more; its units go back at the end.
  auto admit = [=]() mutable {
    read_skus(self, context, request.lines,
              [=](std::vector<expected<sku_view>> answers) mutable {
                if (answers[0] && answers[0]->withdrawn)
                  return promise.deliver(to_caf_error(make_failure(
                      errc::delisted, "sku " + line.sku +
                                          " is no longer sold: its product "
                                          "is delisted")));
                ask_sale();
              });
  };
  // A retry finds the key's order: it answers as the first time, though
  // the buyer's units now count against the limit.
  with_key_order(
      self, context, promise, request,
      [=](order_view& placed) mutable {
        // The line asked for now, at the price it was placed at: a
        // retry asking for other units is the order's conflict.
        auto lines = placed.lines;
        lines.resize(1);
        lines.front().sku = line.sku;
        lines.front().quantity = line.quantity;
        place_and_await(self, context, promise, request, std::move(lines),
                        placed.currency);
      },
      admit);
}

void checkout_lines(caf::event_based_actor* self, entity_context* context,
                    caf::response_promise promise, checkout_request request) {
  auto refuse = [&](errc code, std::string message) {
    promise.deliver(to_caf_error(make_failure(code, std::move(message))));
  };
  if (request.buyer_id.empty())
    return refuse(errc::invalid_argument, "a buyer is required");
  if (!valid_checkout_key(request.idempotency_key))
    return refuse(errc::invalid_argument,
                  "Idempotency-Key must be 1 to 64 letters, digits, - or _");
  if (request.lines.empty() || request.lines.size() > order_lines_max)
    return refuse(errc::invalid_argument, "a checkout has 1 to 100 lines");
  for (auto& line : request.lines)
    if (line.sku.empty() || line.quantity < 1 ||
        line.quantity > order_line_quantity_max)
      return refuse(errc::invalid_argument,
                    "each line has a sku and a quantity of 1 to 100");
  // One line per SKU: lines naming the same SKU are merged, within the
  // per-line limit.
  std::vector<checkout_line> merged;
  for (auto& line : request.lines) {
    auto same = std::find_if(merged.begin(), merged.end(),
                             [&](auto& seen) { return seen.sku == line.sku; });
    if (same == merged.end()) {
      merged.push_back(line);
      continue;
    }
    same->quantity += line.quantity;
    if (same->quantity > order_line_quantity_max)
      return refuse(errc::invalid_argument,
                    "sku " + line.sku + " is asked for " +
                        std::to_string(same->quantity) +
                        " times; a line has at most 100 units");
  }
  request.lines = std::move(merged);
  if (!request.flash_sale_id.empty())
    return checkout_sale(self, context, promise, std::move(request));
  // The prices of the moment, from each SKU.
  read_skus(
      self, context, request.lines,
      [=](std::vector<expected<sku_view>> answers) mutable {
        std::vector<order_line> lines;
        std::vector<std::string> currencies;
        for (size_t index = 0; index < answers.size(); ++index) {
          auto& line = request.lines[index];
          if (!answers[index]) {
            auto why = answers[index].error();
            if (why.code == errc::not_found)
              why.message = "unknown sku " + line.sku;
            return promise.deliver(to_caf_error(why));
          }
          auto& view = *answers[index];
          if (view.withdrawn)
            return promise.deliver(to_caf_error(
                refusal(errc::delisted, "sku " + line.sku +
                                            " is no longer sold: its "
                                            "product is delisted")));
          lines.push_back(order_line{line.sku, view.product_id, view.seller_id,
                                     line.quantity, view.price_cents});
          currencies.push_back(view.currency);
        }
        if (std::adjacent_find(currencies.begin(), currencies.end(),
                               std::not_equal_to<>{}) != currencies.end())
          return promise.deliver(to_caf_error(make_failure(
              errc::currency_mismatch, "one checkout pays in one currency")));
        place_and_await(self, context, promise, request, std::move(lines),
                        currencies[0]);
      });
}

void read_cart(caf::event_based_actor* self, entity_context* context,
               caf::response_promise promise, const std::string& buyer_id,
               cart_command command) {
  self->request(context->registry, checkout_timeout, route_atom::value,
                std::string{cart_entity::kind}, buyer_id,
                caf::make_message(std::move(command)))
      .then(
          [=](cart_view& cart) mutable {
            // Each line at its SKU's price of the moment.
            read_skus(self, context, cart.lines,
                      [promise,
                       cart](std::vector<expected<sku_view>> answers) mutable {
                        promise.deliver(price_cart(cart, answers));
                      });
          },
          [=](caf::error& error) mutable { promise.deliver(error); });
}

/// A cart holds one currency: a SKU in another is refused.
void same_currency_then(caf::event_based_actor* self, entity_context* context,
                        caf::response_promise promise,
                        const cart_item_request& request, std::string currency,
                        cart_command change) {
  self->request(context->registry, checkout_timeout, route_atom::value,
                std::string{cart_entity::kind}, request.buyer_id,
                caf::make_message(cart_command{get_cart{}}))
      .then(
          [=](cart_view& cart) mutable {
            auto other = std::find_if(
                cart.lines.begin(), cart.lines.end(),
                [&](auto& line) { return line.sku != request.sku; });
            if (other == cart.lines.end())
              return read_cart(self, context, promise, request.buyer_id,
                               std::move(change));
            self->request(context->registry, checkout_timeout,
                          route_atom::value, std::string{sku_entity::kind},
                          other->sku, caf::make_message(sku_command{get_sku{}}))
                .then(
                    [=](sku_view& held) mutable {
                      if (auto same = same_cart_currency(request.sku, currency,
                                                         held.currency);
                          !same)
                        return promise.deliver(to_caf_error(same.error()));
                      read_cart(self, context, promise, request.buyer_id,
                                std::move(change));
                    },
                    [=](caf::error&) mutable {
                      // The other line's SKU is gone: it is not priced.
                      read_cart(self, context, promise, request.buyer_id,
                                std::move(change));
                    });
          },
          [=](caf::error& error) mutable { promise.deliver(error); });
}

void edit_cart(caf::event_based_actor* self, entity_context* context,
               cart_item_request request) {
  auto promise = self->make_response_promise();
  if (request.buyer_id.empty() || request.sku.empty())
    return promise.deliver(to_caf_error(
        make_failure(errc::invalid_argument, "buyer and sku are required")));
  self->request(context->registry, checkout_timeout, route_atom::value,
                std::string{sku_entity::kind}, request.sku,
                caf::make_message(sku_command{get_sku{}}))
      .then(
          [=](sku_view& sku) mutable {
            auto changed = cart_item_change(request.sku, request.quantity, sku);
            if (!changed)
              return promise.deliver(to_caf_error(changed.error()));
            auto change = cart_command{std::move(*changed)};
            if (request.quantity == 0)
              return read_cart(self, context, promise, request.buyer_id,
                               std::move(change));
            same_currency_then(self, context, promise, request, sku.currency,
                               std::move(change));
          },
          [=](caf::error& error) mutable {
            auto why = from_caf_error(error);
            if (why.code == errc::not_found)
              why.message = "unknown sku " + request.sku;
            promise.deliver(to_caf_error(why));
          });
}

} // namespace

caf::actor spawn_checkout(caf::actor_system& system, entity_context* context) {
  // State goes in as a spawn argument, not a capture: CAF 0.17 binds a
  // reference to a null tuple when a spawned function takes no arguments
  // (undefined behaviour that UBSan stops on).
  auto behavior = [](caf::event_based_actor* self,
                     entity_context* context) -> caf::behavior {
    return {
        [=](checkout_request& request) {
          checkout(self, context, std::move(request));
        },
        [=](cart_item_request& request) {
          edit_cart(self, context, std::move(request));
        },
        [=](cart_read_request& request) {
          read_cart(self, context, self->make_response_promise(),
                    request.buyer_id, cart_command{get_cart{}});
        },
    };
  };
  return system.spawn(behavior, context);
}

} // namespace tillroll
