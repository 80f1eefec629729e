// The child of the checkout crash test: a real node running concurrent
// checkouts (some declined, some failing once at the PSP) until it is
// killed, writing each answered checkout to an ack file.
#include "actors/ask.hpp"
#include "actors/order/checkout.hpp"
#include "actors/sku/sku_actor.hpp"
#include "app/node.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <atomic>
#include <cstdio>
#include <fcntl.h>
#include <random>
#include <thread>
#include <unistd.h>

using namespace tillroll;

namespace {

const char* const tokens[] = {"tok_visa", "tok_visa", "tok_visa",
                              "tok_declined", "tok_error"};

void run_one(caf::event_based_actor* self, caf::actor checkout, int acks,
             std::shared_ptr<std::mt19937_64> random, uint64_t round,
             int worker) {
  auto pick = (*random)();
  checkout_request request{
      "buyer" + std::to_string(pick % 1000),
      "r" + std::to_string(round) + "w" + std::to_string(worker) + "n" +
          std::to_string(pick % 100000),
      {checkout_line{"SKU" + std::to_string(pick % 3), 1 + int64_t(pick % 2)}},
      tokens[(pick >> 8) % 5],
      "{}"};
  self->request(checkout, std::chrono::seconds{60}, request)
      .then(
          [=](order_view& view) {
            auto line = view.order_id + " " +
                        std::string{to_string(view.status)} + "\n";
            if (::write(acks, line.data(), line.size()) < 0)
              std::_Exit(1);
            run_one(self, checkout, acks, random, round, worker);
          },
          [=](caf::error&) {
            run_one(self, checkout, acks, random, round, worker);
          });
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: checkout_writer DATA_DIR ACK_FILE ROUND\n");
    return 2;
  }
  node_options options;
  options.data_directory = argv[1];
  options.serve_http = false;
  auto running = node::open(options);
  if (!running) {
    std::fprintf(stderr, "open: %s\n", running.error().message.c_str());
    return 1;
  }
  auto& shop = **running;
  {
    caf::scoped_actor self{shop.system()};
    for (int index = 0; index < 3; ++index)
      if (!ask<sku_entity>(self, shop.registry(), "SKU" + std::to_string(index),
                           register_sku{"product", "seller", 1000, "EUR", 400}))
        return 1;
  }
  int acks = ::open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644);
  uint64_t round = std::strtoull(argv[3], nullptr, 10);
  for (int worker = 0; worker < 16; ++worker)
    shop.system().spawn(
        [&](caf::event_based_actor* self, int worker) {
          // One generator per worker: workers run on different threads.
          auto random = std::make_shared<std::mt19937_64>(round * 100 + worker);
          run_one(self, shop.checkout(), acks, random, round, worker);
        },
        worker);
  for (;;)
    std::this_thread::sleep_for(std::chrono::seconds{1});
}
