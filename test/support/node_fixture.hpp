// A real node in process (threads, RocksDB on disk, no HTTP) on a temporary
// directory, with blocking helpers that ask entities and run checkouts.
#pragma once

#include "actors/ask.hpp"
#include "actors/cart/cart_actor.hpp"
#include "actors/order/checkout.hpp"
#include "actors/order/order_actor.hpp"
#include "actors/payment/payment_actor.hpp"
#include "actors/product/product_actor.hpp"
#include "actors/sku/sku_actor.hpp"
#include "app/node.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <doctest/doctest.h>

#include <condition_variable>
#include <functional>
#include <mutex>

#include "temp_directory.hpp"

namespace tillroll::test {

class node_fixture {
public:
  explicit node_fixture(
      const std::filesystem::path& directory,
      const std::function<void(node_options&)>& configure = {}) {
    node_options options;
    options.data_directory = directory;
    options.serve_http = false;
    if (configure)
      configure(options);
    auto opened = node::open(options);
    REQUIRE(opened);
    running = std::move(*opened);
  }

  template <class Entity>
  expected<typename Entity::reply_type>
  ask(const std::string& id, typename Entity::command_type command) {
    caf::scoped_actor self{running->system()};
    return tillroll::ask<Entity>(self, running->registry(), id,
                                 std::move(command));
  }

  expected<order_view> checkout(checkout_request request) {
    caf::scoped_actor self{running->system()};
    std::optional<expected<order_view>> result;
    self->request(running->checkout(), std::chrono::seconds{60}, request)
        .receive(
            [&](order_view& view) { result.emplace(view); },
            [&](caf::error& error) { result.emplace(from_caf_error(error)); });
    return std::move(*result);
  }

  /// Runs all checkouts at once; their outcomes in the same order.
  std::vector<expected<order_view>>
  checkout_all(std::vector<checkout_request> requests) {
    std::mutex mutex;
    std::condition_variable done;
    std::vector<std::optional<expected<order_view>>> outcomes(requests.size());
    size_t waiting = requests.size();
    auto checkout_actor = running->checkout();
    for (size_t index = 0; index < requests.size(); ++index)
      running->system().spawn(
          [&](caf::event_based_actor* self, size_t index) {
            self->request(checkout_actor, std::chrono::seconds{60},
                          requests[index])
                .then(
                    [&, index](order_view& view) {
                      std::lock_guard guard{mutex};
                      outcomes[index].emplace(view);
                      if (--waiting == 0)
                        done.notify_all();
                    },
                    [&, index](caf::error& error) {
                      std::lock_guard guard{mutex};
                      outcomes[index].emplace(from_caf_error(error));
                      if (--waiting == 0)
                        done.notify_all();
                    });
          },
          index);
    std::unique_lock lock{mutex};
    REQUIRE(done.wait_for(lock, std::chrono::seconds{120},
                          [&] { return waiting == 0; }));
    std::vector<expected<order_view>> result;
    for (auto& outcome : outcomes)
      result.push_back(std::move(*outcome));
    return result;
  }

  std::unique_ptr<node> running;
};

inline checkout_request one_unit(std::string buyer, std::string key,
                                 std::string sku,
                                 std::string token = "tok_visa") {
  return checkout_request{std::move(buyer),
                          std::move(key),
                          {checkout_line{std::move(sku), 1}},
                          std::move(token),
                          "{\"city\":\"Berlin\"}"};
}

} // namespace tillroll::test
