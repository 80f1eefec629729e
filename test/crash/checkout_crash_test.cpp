// A real node runs concurrent checkouts in a child process that is
// SIGKILLed at random points, 20 times. After each kill the node recovers:
// unfinished sagas resume, and then no SKU is oversold, every paid order
// has exactly one capture, every cancelled one has its money and stock
// back, every ledger transaction balances, and every acknowledged checkout
// is still there. TILLROLL_CRASH_SEED replays a run.
#include "actors/payment/psp.hpp"
#include "actors/order/order_actor.hpp"
#include "actors/payment/payment_actor.hpp"
#include "actors/recovery.hpp"
#include "actors/sku/sku_actor.hpp"
#include "app/node.hpp"
#include "events/keys.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>
#include <signal.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "../support/crash_round.hpp"
#include "../support/temp_directory.hpp"

using namespace tillroll;

namespace {

std::set<std::string> streams_of(event_log& log, std::string_view kind) {
  std::set<std::string> streams;
  uint64_t position = 1;
  for (;;) {
    auto batch = log.read_global(position, 10'000);
    REQUIRE(batch);
    if (batch->empty())
      return streams;
    for (auto& event : *batch) {
      if (stream_kind(event.stream_id) == kind)
        streams.insert(event.stream_id);
      position = event.position + 1;
    }
  }
}

struct payment_audit {
  int captures = 0;
  int64_t refunded_cents = 0;
};

payment_audit audit_payment(event_log& log, const std::string& stream) {
  payment_audit audit;
  REQUIRE(log.read_stream(stream, 1, UINT64_MAX, [&](const recorded_event& r) {
    auto event = decode_event<payment_event>(r);
    REQUIRE(event);
    if (std::holds_alternative<payment_captured>(*event))
      ++audit.captures;
    if (auto* refund = std::get_if<refund_recorded>(&*event))
      audit.refunded_cents += refund->amount_cents;
    if (auto* tx = std::get_if<ledger_transaction_recorded>(&*event)) {
      int64_t sum = 0;
      for (auto& posting : tx->postings)
        sum += posting.amount_cents;
      CHECK_MESSAGE(sum == 0, stream << " has an unbalanced transaction");
    }
    return true;
  }));
  return audit;
}

/// Recovers the node, lets every saga finish, checks every invariant.
void recover_and_audit(const std::string& data_dir, const std::string& acks,
                       int round) {
  node_options options;
  options.data_directory = data_dir;
  options.serve_http = false;
  auto opened = node::open(options);
  REQUIRE_MESSAGE(opened, "round " << round << ": "
                                   << (opened ? "" : opened.error().message));
  auto& shop = **opened;
  auto& log = shop.log();
  auto orders = streams_of(log, "order");
  // Bounded wait on the sagas' own progress: every order settles.
  std::map<std::string, order_state> settled;
  for (int tries = 0; tries < 1200; ++tries) {
    settled.clear();
    bool all_done = true;
    for (auto& stream : orders) {
      auto state = recover_state<order_entity>(log, nullptr, stream);
      REQUIRE(state);
      // Settled: no saga step left and no payment check scheduled.
      if (order_entity::pending_work(state->state) ||
          !checkout_settled(state->state))
        all_done = false;
      settled.emplace(stream, std::move(state->state));
    }
    if (all_done)
      break;
    shop.journal().wait_for_commit(shop.journal().committed_position() + 1,
                                   std::chrono::milliseconds{50});
  }
  // The PSP's own books, not our log: captures per order reference.
  auto books = shop.psp_charges();
  REQUIRE(books);
  std::map<std::string, uint32_t> psp_captures;
  for (auto& charge : *books) {
    CHECK_MESSAGE(charge.captures == 1, charge.key << " captured "
                                                   << charge.captures);
    psp_captures[charge.reference] += charge.captures;
  }
  std::map<std::string, int64_t> sold_by_orders;
  for (auto& [stream, order] : settled) {
    INFO("round " << round << ", " << stream);
    CHECK_FALSE(order_entity::pending_work(order));
    auto payment =
        audit_payment(log, make_stream_id("payment", payment_id_of(order)));
    CHECK(payment.captures <= 1);
    auto charged = psp_captures[std::string{stream_entity_id(stream)}];
    CHECK(charged <= 1);
    CHECK(charged == payment.captures);
    if (order.status == order_status::fulfillment_processing) {
      CHECK(payment.captures == 1);
      CHECK(charged == 1);
      CHECK(payment.refunded_cents == 0);
      for (auto& line : order.placed.lines)
        sold_by_orders[line.sku] += line.quantity;
    } else {
      CHECK(order.status == order_status::cancelled);
      if (payment.captures == 1)
        CHECK(payment.refunded_cents == order.placed.total_cents);
    }
  }
  for (auto& stream : streams_of(log, "sku")) {
    auto sku = recover_state<sku_entity>(log, nullptr, stream);
    REQUIRE(sku);
    INFO("round " << round << ", " << stream);
    CHECK(sku->state.sold + sku->state.reserved <= sku->state.received);
    CHECK(sku->state.reserved == 0);
    CHECK(sku->state.sold ==
          sold_by_orders[std::string{stream_entity_id(stream)}]);
  }
  std::ifstream file{acks};
  std::string line;
  while (std::getline(file, line)) {
    if (file.eof())
      break;
    std::istringstream fields{line};
    std::string order_id;
    std::string status;
    fields >> order_id >> status;
    auto found = settled.find(make_stream_id("order", order_id));
    REQUIRE_MESSAGE(found != settled.end(),
                    "acknowledged order " << order_id << " is gone");
    CHECK(to_string(found->second.status) == status);
  }
  shop.stop();
}

} // namespace

TEST_CASE("checkouts survive kill -9: no oversell, one charge per paid order") {
  std::mt19937_64 random{test::crash_seed()};
  test::temp_directory directory;
  auto data_dir = (directory.path() / "data").string();
  auto acks = (directory.path() / "acks").string();
  for (int round = 0; round < 20; ++round) {
    test::run_and_kill(TILLROLL_CHECKOUT_WRITER, data_dir, acks,
                       std::to_string(round), random, 1500);
    recover_and_audit(data_dir, acks, round);
  }
}
