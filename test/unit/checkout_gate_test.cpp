#include "http/checkout_gate.hpp"

#include <doctest/doctest.h>

using namespace tillroll;

TEST_CASE("the checkout gate runs up to its slots, queues up to its queue, "
          "refuses past it, and hands a freed slot to the oldest queued") {
  checkout_gate gate{2, 2};
  auto now = timestamp{std::chrono::seconds{100}};
  CHECK(gate.admit() == checkout_gate::verdict::run);
  CHECK(gate.admit() == checkout_gate::verdict::run);
  CHECK(gate.admit() == checkout_gate::verdict::queue);
  CHECK(gate.admit() == checkout_gate::verdict::queue);
  CHECK(gate.admit() == checkout_gate::verdict::refuse);
  CHECK(gate.refused() == 1);
  CHECK(gate.enqueue("first") == std::nullopt);
  gate.cancel_place(); // the second could not be placed
  CHECK(gate.depth() == 1);
  // A free slot goes to the queue, not to a newcomer.
  CHECK(gate.admit() == checkout_gate::verdict::queue);
  CHECK(gate.enqueue("second") == std::nullopt);
  CHECK(gate.finish(now) == std::optional<std::string>{"first"});
  CHECK(gate.in_flight() == 2);
  CHECK(gate.finish(now) == std::optional<std::string>{"second"});
  CHECK(gate.finish(now) == std::nullopt);
  CHECK(gate.in_flight() == 1);
  // A slot freed while an order was being placed queued: it runs now.
  CHECK(gate.admit() == checkout_gate::verdict::run);
  CHECK(gate.admit() == checkout_gate::verdict::queue);
  CHECK(gate.finish(now) == std::nullopt);
  CHECK(gate.enqueue("third") == std::optional<std::string>{"third"});
  CHECK(gate.in_flight() == 2);
  CHECK(gate.retry_after_s(now) >= 1);
  CHECK(gate.retry_after_s(now) <= 60);
}
