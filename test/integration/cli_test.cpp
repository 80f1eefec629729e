// The real binary: `serve` on a loopback port with a temporary data
// directory, `replay` and `events` on what it wrote, and the usage errors.
#include "events/codec.hpp"
#include "events/event_log.hpp"
#include "events/journal.hpp"
#include "events/payment_events.hpp"
#include "events/sku_events.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <doctest/doctest.h>

#include <sstream>

#include "../support/node_fixture.hpp"
#include "../support/process.hpp"
#include "../support/temp_directory.hpp"

using namespace tillroll;
namespace json = boost::json;

namespace {

const std::string binary = TILLROLL_BINARY;

uint16_t port_from(const std::string& line) {
  auto colon = line.rfind(':', line.find(" (data"));
  return static_cast<uint16_t>(std::stoi(line.substr(colon + 1)));
}

std::vector<json::value> json_lines(const std::string& text) {
  std::vector<json::value> lines;
  std::istringstream stream{text};
  std::string line;
  while (std::getline(stream, line))
    if (!line.empty())
      lines.push_back(json::parse(line));
  return lines;
}

void write_sku_history(const std::filesystem::path& directory) {
  auto log = std::move(*event_log::open({directory}));
  journal writer{*log, {}};
  REQUIRE(writer.start());
  event_context origin{timestamp{std::chrono::seconds{1'790'000'000}}, "c-1",
                       ""};
  std::vector<new_event> events;
  for (const sku_event& event :
       {sku_event{sku_registered{"product-1", "seller-1", 1999, "USD"}},
        sku_event{stock_received{10}},
        sku_event{stock_reserved{"order-1", 3, 1'790'000'600'000'000}},
        sku_event{reservation_confirmed{"order-1"}}}) {
    events.push_back(to_new_event(event, origin));
    origin.recorded_at += std::chrono::seconds{10};
  }
  REQUIRE(writer.append_and_wait({"sku-TSHIRT", 0, std::move(events), {}, {}}));
}

/// A stopped node's log written straight, past every decider: damage no
/// command could make, for the auditor to find.
struct raw_log {
  std::unique_ptr<event_log> log;
  journal writer;
  event_context origin{now_timestamp(), "audit", ""};

  explicit raw_log(const std::filesystem::path& directory)
      : log{std::move(*event_log::open({directory}))}, writer{*log, {}} {
    REQUIRE(writer.start());
  }
  template <class... Events>
  void append(const std::string& stream, Events... events) {
    std::vector<new_event> encoded{to_new_event(events, origin)...};
    auto head = *log->stream_head(stream);
    REQUIRE(writer.append_and_wait({stream, head, std::move(encoded), {}, {}}));
  }
};

} // namespace

TEST_CASE("serve answers health, readiness, metrics and JSON errors, and stops "
          "on SIGTERM") {
  test::temp_directory directory;
  test::server_process server{{binary, "serve", "--data-dir",
                               (directory.path() / "data").string(), "--listen",
                               "127.0.0.1:0"}};
  auto line = server.first_line(std::chrono::seconds{20});
  REQUIRE(line);
  auto port = port_from(*line);

  auto health = test::http_get(port, "/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(json::parse(health->body).at("status") == "ok");

  auto ready = test::http_get(port, "/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 200);

  auto metrics = test::http_get(port, "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("tillroll_journal_fsync_seconds_bucket") !=
        std::string::npos);
  CHECK(metrics->body.find(
            "tillroll_projection_lag_events{projection=\"stream_counts\"} 0") !=
        std::string::npos);

  auto missing = test::http_get(port, "/nope");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(json::parse(missing->body).at("error").at("code") == "not_found");

  // HEAD: the headers of GET, no body.
  auto head = test::http_get(port, "/healthz", "HEAD");
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->head.find("Content-Length: 15") != std::string::npos);
  CHECK(head->body.empty());

  auto wrong_method = test::http_get(port, "/healthz", "DELETE");
  REQUIRE(wrong_method);
  CHECK(wrong_method->status == 405);

  auto garbage = test::send_raw(port, "NOT HTTP AT ALL\r\n\r\n");
  REQUIRE(garbage);
  CHECK(garbage->status == 400);
  CHECK(json::parse(garbage->body).at("error").at("code") ==
        "invalid_argument");

  auto huge = test::send_raw(
      port,
      "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n");
  REQUIRE(huge);
  CHECK(huge->status == 413);

  auto after = test::http_get(port, "/healthz");
  REQUIRE(after);
  CHECK(after->status == 200);

  CHECK(server.stop(std::chrono::seconds{20}) == 0);
}

TEST_CASE("replay prints each event with the state after it, up to a sequence "
          "or a time") {
  test::temp_directory directory;
  write_sku_history(directory.path());
  auto data = directory.path().string();

  auto all =
      test::run_command(binary + " replay --data-dir " + data + " sku-TSHIRT");
  REQUIRE(all.exit_code == 0);
  auto lines = json_lines(all.output);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].at("event").at("type") == "sku_registered");
  CHECK(lines[2].at("state").at("reserved") == 3);
  CHECK(lines[3].at("state").at("sold") == 3);
  CHECK(lines[3].at("state").at("available") == 7);
  CHECK(lines[3].at("correlation_id") == "c-1");

  auto to_seq = test::run_command(binary + " replay --data-dir " + data +
                                  " sku-TSHIRT --to-seq 2");
  REQUIRE(to_seq.exit_code == 0);
  CHECK(json_lines(to_seq.output).size() == 2);

  auto at_time = test::run_command(binary + " replay --data-dir " + data +
                                   " sku-TSHIRT --at 1790000015000000");
  REQUIRE(at_time.exit_code == 0);
  CHECK(json_lines(at_time.output).size() == 2);

  auto iso = test::run_command(binary + " replay --data-dir " + data +
                               " sku-TSHIRT --at 2026-09-21T14:13:45.5Z");
  REQUIRE(iso.exit_code == 0);
  CHECK(json_lines(iso.output).size() == 3);
}

TEST_CASE("events dumps the global log from a position") {
  test::temp_directory directory;
  write_sku_history(directory.path());
  auto data = directory.path().string();
  auto dumped = test::run_command(binary + " events --data-dir " + data +
                                  " --from 2 --limit 2");
  REQUIRE(dumped.exit_code == 0);
  auto lines = json_lines(dumped.output);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].at("position") == 2);
  CHECK(lines[1].at("event").at("type") == "stock_reserved");

  auto rebuilt = test::run_command(binary + " rebuild --data-dir " + data +
                                   " --projection stream_counts");
  CHECK(rebuilt.exit_code == 0);
  CHECK(rebuilt.output.find("from 4 events") != std::string::npos);
}

TEST_CASE(
    "bad flags, missing data and unknown commands exit 2 with a message") {
  test::temp_directory directory;
  auto unknown_flag =
      test::run_command(binary + " events --data-dir " +
                        directory.path().string() + " --bogus 1");
  CHECK(unknown_flag.exit_code == 2);
  CHECK(unknown_flag.output.find("unknown flag --bogus") != std::string::npos);
  auto missing =
      test::run_command(binary + " replay --data-dir " +
                        (directory.path() / "absent").string() + " sku-X");
  CHECK(missing.exit_code == 2);
  CHECK(missing.output.find("no tillroll data") != std::string::npos);
  CHECK(test::run_command(binary + " frobnicate").exit_code == 2);
  CHECK(test::run_command(binary + " serve").exit_code == 2);
  CHECK(test::run_command(binary + " serve --data-dir x --durability maybe")
            .exit_code == 2);
  auto weak =
      test::run_command(binary + " serve --data-dir x --password-hashing weak");
  CHECK(weak.exit_code == 2);
  CHECK(weak.output.find("interactive or minimum") != std::string::npos);
  for (auto* threads :
       {" --http-threads 0", " --http-threads 65", " --scheduler-threads 0"})
    CHECK(
        test::run_command(binary + " serve --data-dir x" + threads).exit_code ==
        2);
  CHECK(test::run_command(binary + " replay --help").exit_code == 0);
  CHECK(test::run_command(binary + " serve --data-dir x --psp-latency-ms -1")
            .exit_code == 2);
}

TEST_CASE("replay shows an order's saga and a payment's ledger, step by step") {
  test::temp_directory directory;
  {
    test::node_fixture fixture{directory.path()};
    REQUIRE(fixture.ask<sku_entity>(
        "CUP", register_sku{"product-cup", "seller-1", 900, "EUR", 5}));
    auto order = fixture.checkout(test::one_unit("zoe", "k1", "CUP"));
    REQUIRE(order);
    REQUIRE(order->status == order_status::fulfillment_processing);
    fixture.running->stop();
  }
  auto data = directory.path().string();
  auto order = test::run_command(binary + " replay --data-dir " + data +
                                 " order-zoe-k1");
  REQUIRE(order.exit_code == 0);
  auto lines = json_lines(order.output);
  REQUIRE(lines.size() >= 8);
  CHECK(lines.front().at("event").at("type") == "order_placed");
  CHECK(lines.front().at("state").at("status") == "created");
  CHECK(lines.back().at("state").at("status") == "fulfillment_processing");
  auto payment = test::run_command(binary + " replay --data-dir " + data +
                                   " payment-zoe-k1");
  REQUIRE(payment.exit_code == 0);
  auto steps = json_lines(payment.output);
  REQUIRE(steps.size() == 3);
  CHECK(steps[2].at("event").at("type") == "ledger_transaction_recorded");
  CHECK(steps[2].at("state").at("status") == "captured");
}

TEST_CASE("audit passes a healthy log and exits 1 naming an unbalanced ledger "
          "transaction and an oversold SKU") {
  test::temp_directory directory;
  {
    test::node_fixture fixture{directory.path()};
    REQUIRE(fixture.ask<sku_entity>(
        "MUG", register_sku{"product-mug", "seller-1", 900, "EUR", 2}));
    REQUIRE(fixture.checkout(test::one_unit("amy", "k1", "MUG")));
    REQUIRE(
        fixture.checkout(test::one_unit("amy", "k2", "MUG", "tok_declined")));
    fixture.running->stop();
  }
  auto data = directory.path().string();
  auto healthy = test::run_command(binary + " audit --data-dir " + data);
  CHECK(healthy.exit_code == 0);
  auto report = json::parse(healthy.output);
  CHECK(report.at("ok") == true);
  CHECK(report.at("orders") == 2);

  // Damage written straight to the log, past every decider: a transaction
  // that does not balance, and a reservation beyond the stock.
  {
    auto log = std::move(*event_log::open({directory.path()}));
    journal writer{*log, {}};
    REQUIRE(writer.start());
    event_context origin{now_timestamp(), "audit", ""};
    auto head = *log->stream_head("payment-amy-k1");
    payment_event unbalanced = ledger_transaction_recorded{
        "capture",
        "EUR",
        {{"asset:psp_clearing", 900}, {"revenue:sales", -800}}};
    REQUIRE(writer.append_and_wait(
        {"payment-amy-k1", head, {to_new_event(unbalanced, origin)}, {}, {}}));
    auto sku_head = *log->stream_head("sku-MUG");
    sku_event grabbed = stock_reserved{"ghost", 5, 1'900'000'000'000'000};
    REQUIRE(writer.append_and_wait(
        {"sku-MUG", sku_head, {to_new_event(grabbed, origin)}, {}, {}}));
  }
  auto broken = test::run_command(binary + " audit --data-dir " + data);
  CHECK(broken.exit_code == 1);
  auto findings = json::parse(broken.output);
  CHECK(findings.at("ok") == false);
  CHECK(findings.at("oversold_skus").at(0) == "MUG");
  CHECK(findings.at("unbalanced_transactions")
            .at(0)
            .as_string()
            .starts_with("amy-k1#"));
}

TEST_CASE("audit names an order charged for units its SKU never sold, a "
          "sale kept by a cancelled order, and a cancelled order charged "
          "and never refunded") {
  test::temp_directory directory;
  {
    test::node_fixture fixture{directory.path()};
    REQUIRE(fixture.ask<sku_entity>(
        "MUG", register_sku{"product-mug", "seller-1", 900, "EUR", 10}));
    REQUIRE(fixture.checkout(test::one_unit("amy", "k1", "MUG")));
    fixture.running->stop();
  }
  // Written past every decider, as the old checkout did: one order with
  // two lines of MUG (6 units charged) whose SKU sold it 3; and a
  // cancelled order whose SKU kept the sale.
  {
    raw_log raw{directory.path()};
    order_line mug{"MUG", "product-mug", "seller-1", 3, 900};
    raw.append(
        "order-ghost",
        order_event{order_placed{
            "ghost", "k", {mug, mug}, "EUR", 5400, "tok_visa", "{}", false}},
        order_event{order_stock_reserved{}},
        order_event{order_payment_captured{"sim"}},
        order_event{order_stock_confirmed{}});
    raw.append("sku-MUG",
               sku_event{stock_reserved{"ghost", 3, 1'900'000'000'000'000}},
               sku_event{reservation_confirmed{"ghost"}});
    raw.append(
        "order-kept",
        order_event{order_placed{"kept",
                                 "k",
                                 {{"MUG", "product-mug", "seller-1", 1, 900}},
                                 "EUR",
                                 900,
                                 "tok_visa",
                                 "{}",
                                 false}},
        order_event{order_stock_reserved{}},
        order_event{order_cancelled{"requested", {}}},
        order_event{order_stock_released{}});
    raw.append("sku-MUG",
               sku_event{stock_reserved{"kept", 1, 1'900'000'000'000'000}},
               sku_event{reservation_confirmed{"kept"}});
    // Charged, cancelled, and nothing refunded nor on its way.
    raw.append(
        "order-owed",
        order_event{order_placed{"owed",
                                 "k",
                                 {{"MUG", "product-mug", "seller-1", 1, 900}},
                                 "EUR",
                                 900,
                                 "tok_visa",
                                 "{}",
                                 false}},
        order_event{order_stock_reserved{}},
        order_event{order_payment_captured{"sim"}},
        order_event{order_cancelled{"requested", {}}},
        order_event{order_stock_released{}});
  }
  auto broken = test::run_command(binary + " audit --data-dir " +
                                  directory.path().string());
  CHECK(broken.exit_code == 1);
  auto findings = json::parse(broken.output);
  CHECK(findings.at("ok") == false);
  auto& mismatches = findings.at("line_mismatches").as_array();
  CHECK(std::find(mismatches.begin(), mismatches.end(),
                  json::value("ghost MUG")) != mismatches.end());
  CHECK(std::find(mismatches.begin(), mismatches.end(),
                  json::value("kept MUG")) != mismatches.end());
  CHECK(mismatches.size() == 2);
  CHECK(findings.at("unrefunded_cancellations") == json::array{"owed"});
}

TEST_CASE("audit of a log cut mid-saga: a sale not yet confirmed on its "
          "order is no finding, a buyer told fulfilment before the stock "
          "was confirmed is") {
  test::temp_directory directory;
  {
    test::node_fixture fixture{directory.path()};
    REQUIRE(fixture.ask<sku_entity>(
        "MUG", register_sku{"product-mug", "seller-1", 900, "EUR", 10}));
    fixture.running->stop();
  }
  raw_log raw{directory.path()};
  auto placed = [](const std::string& id) {
    return order_event{
        order_placed{id,
                     "k",
                     {{"MUG", "product-mug", "seller-1", 1, 900}},
                     "EUR",
                     900,
                     "tok_visa",
                     "{}",
                     false}};
  };
  // Paid, its SKU sold, its own confirmation not written yet: as an audit
  // of a cluster reads it when the cut falls between the two members.
  raw.append("order-midway", placed("midway"),
             order_event{order_stock_reserved{}},
             order_event{order_payment_captured{"sim"}},
             order_event{order_notification{"payment_confirmed", "midway", 1}});
  raw.append("sku-MUG",
             sku_event{stock_reserved{"midway", 1, 1'900'000'000'000'000}},
             sku_event{reservation_confirmed{"midway"}});
  auto report = test::run_command(binary + " audit --data-dir " +
                                  directory.path().string());
  CHECK_MESSAGE(report.exit_code == 0, report.output);
  raw.append(
      "order-early", placed("early"), order_event{order_stock_reserved{}},
      order_event{order_payment_captured{"sim"}},
      order_event{order_notification{"fulfillment_processing", "early", 1}});
  auto broken = test::run_command(binary + " audit --data-dir " +
                                  directory.path().string());
  CHECK(broken.exit_code == 1);
  auto findings = json::parse(broken.output);
  CHECK(findings.at("orders_without_payment") == json::array{"early"});
}
