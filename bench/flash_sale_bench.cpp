// A flash sale and an overload, played over HTTP against the real binary
// by a load generator of our own (bench/load_client.hpp: Beast, thousands
// of buyers on keep-alive connections, one process).
//
// 1. The sale: N buyers join before the start, poll their ticket as its
//    Retry-After says, and buy one unit when admitted. Printed: time to
//    sell out, admissions per second against the target, ticket-poll and
//    checkout p50/p99, units sold (must be the quantity) and oversold
//    (must be 0), from the buyers' answers and from the sale and the SKU.
// 2. Overload: the checkout capacity is measured closed-loop, then checkout
//    is offered open-loop at 1x, 2x, 5x and 10x of it while a second client
//    reads product pages and searches. Printed per step: goodput (orders
//    paid per second until the queue drained), 202s, 429s and their p99,
//    and browse and search p99 against their unloaded values.
// Usage: tillroll_bench_flash_sale [BUYERS [UNITS [ADMIT_PER_SECOND
//        [STEP_SECONDS]]]]
#include "events/time_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "../test/support/load_client.hpp"
#include "../test/support/process.hpp"
#include "peer.hpp"

using namespace tillroll;
using namespace tillroll::bench;
using namespace tillroll::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string binary = TILLROLL_BINARY;
constexpr const char* admin_email = "admin@bench.local";
constexpr const char* admin_password = "bench-admin-password";

/// The binary on a fresh data directory, on a free loopback port.
struct served_store {
  temp_directory data;
  std::optional<test::server_process> server;
  uint16_t port = 0;

  explicit served_store(std::vector<std::string> flags) {
    std::vector<std::string> arguments{
        binary, "serve", "--data-dir", data.path().string(), "--listen",
        "127.0.0.1:0", "--admin-email", admin_email, "--admin-password",
        admin_password,
        // Thousands of buyers sign up here.
        "--password-hashing", "minimum", "--limit-sign-in-per-address", "0",
        "--connections-per-address-max", "15000", "--connections-max", "15000"};
    arguments.insert(arguments.end(), flags.begin(), flags.end());
    // BENCH_SERVE_FLAGS="--http-threads 1 ...": the same run against other
    // settings of the node.
    if (const char* extra = std::getenv("BENCH_SERVE_FLAGS")) {
      std::istringstream words{extra};
      for (std::string word; words >> word;)
        arguments.push_back(word);
    }
    server.emplace(arguments);
    auto line = server->first_line(30s);
    if (!line)
      std::abort();
    auto colon = line->rfind(':', line->find(" (data"));
    port = static_cast<uint16_t>(std::stoi(line->substr(colon + 1)));
  }
  ~served_store() { server->stop(30s); }
};

std::string iso_in(std::chrono::milliseconds from_now) {
  return iso_time(now_timestamp() + from_now);
}

// JSON bodies are built outside coroutines: g++ 12 miscompiles string
// literals in braced initializers inside them.

std::string product_body(const std::string& sku, int64_t stock,
                         const std::string& title) {
  json::object product{
      {"title", title},
      {"description", "A product of the flash sale benchmark"},
      {"brand", "Voltra"},
      {"category", "Electronics"},
      {"attributes", {{"material", "aluminium"}}},
      {"images", json::array{"https://img.tillroll.example/x.jpg"}},
      {"variants",
       json::array{json::object{{"sku", sku},
                                {"price_cents", 9999},
                                {"currency", "USD"},
                                {"attributes", {{"color", "black"}}},
                                {"stock", stock}}}}};
  return json::serialize(product);
}

/// The header of a checkout's key.
std::vector<std::pair<std::string, std::string>> idempotency(std::string key) {
  return {{"Idempotency-Key", std::move(key)}};
}

std::string admin_credentials() {
  return json::serialize(
      json::object{{"email", admin_email}, {"password", admin_password}});
}

/// A product with one SKU of `stock` units; its id.
awaitable<std::string> list_product(connection_pool& pool,
                                    const std::string& seller,
                                    const std::string& sku, int64_t stock,
                                    const std::string& title) {
  auto made = co_await pool.call(http::verb::post, "/v1/products",
                                 product_body(sku, stock, title), seller);
  if (made.status != 201) {
    std::fprintf(stderr, "listing: %d %s\n", made.status, made.body.c_str());
    std::abort();
  }
  auto id = text_at(parsed(made), "id");
  // The SKU is registered by the product's saga; wait for it.
  for (int tries = 0; tries < 1000; ++tries) {
    auto got = co_await pool.call(http::verb::get, "/v1/skus/" + sku);
    if (got.status == 200)
      break;
    co_await pause_for(10ms);
  }
  co_return id;
}

std::string
checkout_body(const std::string& sku,
              const std::optional<std::pair<std::string, std::string>>& sale) {
  json::object body{
      {"payment_token", "tok_visa"},
      {"shipping_address", {{"name", "Ann"}, {"city", "Berlin"}}},
      {"items", json::array{json::object{{"sku", sku}, {"quantity", 1}}}}};
  if (sale)
    body["flash_sale"] = {{"id", sale->first}, {"ticket", sale->second}};
  return json::serialize(body);
}

/// Whether an order's status is a paid one.
bool paid(const std::string& status) {
  return status == "payment_confirmed" || status == "fulfillment_processing" ||
         status == "shipped" || status == "delivered";
}

/// Waits for an order answered 202 to settle; whether it ended paid.
awaitable<bool> ended_paid(connection_pool& pool, std::string order_id,
                           std::string token) {
  for (int tries = 0; tries < 600; ++tries) {
    auto read = co_await pool.call(http::verb::get, "/v1/orders/" + order_id,
                                   {}, token);
    auto status = text_at(parsed(read), "status");
    if (paid(status))
      co_return true;
    if (status == "cancelled" || status == "refunded")
      co_return false;
    co_await pause_for(100ms);
  }
  co_return false;
}

// ---- 1. the sale ----

struct sale_terms {
  size_t buyers = 5000;
  int64_t units = 1000;
  int64_t admit_per_second = 500;
};

std::string sale_body(const sale_terms& terms, std::chrono::milliseconds lead) {
  return json::serialize(
      json::object{{"sku", "FLASH-1"},
                   {"quantity", terms.units},
                   {"price_cents", 4999},
                   {"starts_at", iso_in(lead)},
                   {"ends_at", iso_in(lead + 600s)},
                   {"per_user_limit", 1},
                   {"admit_per_second", terms.admit_per_second},
                   {"admission_ttl_s", 60}});
}

struct sale_figures {
  latencies polls;
  latencies checkouts;
  int64_t bought = 0;
  int64_t queued = 0;
  int64_t sold_out_answers = 0;
  int64_t other_answers = 0;
  clock_type::time_point last_sale{};
  /// Polls with no answer, or not 200 nor 429.
  int64_t lost_polls = 0;
  size_t late_joins = 0;
};

/// A ticket as a checkout key: letters, digits and '-'.
std::string key_of(std::string ticket) {
  std::replace(ticket.begin(), ticket.end(), '.', '-');
  return ticket;
}

/// One buyer: polls as told, buys when admitted, until the sale is over
/// for them.
awaitable<void> play_buyer(connection_pool& pool, const std::string& sale_id,
                           const account& buyer, const std::string& ticket,
                           sale_figures& figures) {
  auto path = "/v1/flash-sales/" + sale_id + "/tickets/" + ticket;
  for (int rounds = 0; rounds < 10'000; ++rounds) {
    auto polled = co_await pool.call(http::verb::get, path, {}, buyer.token);
    figures.polls.add(polled.seconds);
    auto status = text_at(parsed(polled), "status");
    if (polled.status != 200 && polled.status != 429) {
      // No answer, or the node busy: the buyer tries again, and it counts.
      ++figures.lost_polls;
      co_await pause_for(1s);
      continue;
    }
    if (polled.status == 429 || status == "waiting") {
      co_await pause_for(
          std::chrono::seconds{std::max(1, polled.retry_after_s)});
      continue;
    }
    if (status != "admitted")
      co_return; // sold_out or expired
    auto bought =
        co_await pool.call(http::verb::post, "/v1/checkout",
                           checkout_body("FLASH-1", std::pair{sale_id, ticket}),
                           buyer.token, idempotency("flash-" + key_of(ticket)));
    figures.checkouts.add(bought.seconds);
    // Sold is what ended paid: a 201's status, or a 202's order once it
    // settled (it may still be refused).
    if (bought.status == 201 && paid(text_at(parsed(bought), "status"))) {
      ++figures.bought;
      figures.last_sale = clock_type::now();
    } else if (bought.status == 202) {
      ++figures.queued;
      if (co_await ended_paid(pool, text_at(parsed(bought), "order_id"),
                              buyer.token)) {
        ++figures.bought;
        figures.last_sale = clock_type::now();
      }
    } else if (bought.status == 409) {
      ++figures.sold_out_answers;
    } else {
      ++figures.other_answers;
      std::fprintf(stderr, "checkout: %d %s\n", bought.status,
                   bought.body.c_str());
    }
    co_return;
  }
}

awaitable<void> play_sale(asio::io_context& io, uint16_t port,
                          sale_terms terms) {
  connection_pool pool{io, port, 256};
  auto seller = co_await sign_up(pool, "seller@bench.local", "seller");
  auto admin_session =
      co_await pool.call(http::verb::post, "/v1/sessions", admin_credentials());
  auto admin = text_at(parsed(admin_session), "token");
  co_await list_product(pool, seller.token, "FLASH-1", terms.units + 50,
                        "Voltra X200 launch edition");
  auto started = clock_type::now();
  auto buyers = co_await sign_up_buyers(pool, terms.buyers, "flash");
  for (auto& buyer : buyers)
    if (buyer.token.empty())
      std::abort();
  auto signed_up = since(started);

  // Joining is half the requests of signing up: the start leaves room for
  // every buyer to join before it.
  auto lead =
      std::chrono::milliseconds{3000 + static_cast<int64_t>(signed_up * 1000)};
  auto made = co_await pool.call(http::verb::post, "/v1/flash-sales",
                                 sale_body(terms, lead), admin);
  if (made.status != 201) {
    std::fprintf(stderr, "sale: %d %s\n", made.status, made.body.c_str());
    std::abort();
  }
  auto sale_id = text_at(parsed(made), "id");
  sale_figures figures;
  std::vector<std::string> tickets(buyers.size());
  started = clock_type::now();
  co_await for_each(buyers.size(), 128, [&](size_t index) -> awaitable<void> {
    auto joined = co_await pool.call(http::verb::post,
                                     "/v1/flash-sales/" + sale_id + "/tickets",
                                     "{}", buyers[index].token);
    tickets[index] = text_at(parsed(joined), "ticket");
    if (number_at(parsed(joined), "queue_number") > 0)
      ++figures.late_joins; // placed: it joined after the start
  });
  auto joined = since(started);
  fmt::print("  {} buyers signed up in {:.1f} s, joined in {:.1f} s ({} "
             "after the start)\n",
             buyers.size(), signed_up, joined, figures.late_joins);

  // The start: the first poll that finds the sale open.
  json::value sale;
  for (int tries = 0; tries < 20'000; ++tries) {
    sale = parsed(
        co_await pool.call(http::verb::get, "/v1/flash-sales/" + sale_id));
    if (text_at(sale, "status") != "scheduled")
      break;
    co_await pause_for(5ms);
  }
  auto opened = clock_type::now();
  co_await for_each(buyers.size(), buyers.size(),
                    [&](size_t index) -> awaitable<void> {
                      co_await play_buyer(pool, sale_id, buyers[index],
                                          tickets[index], figures);
                    });
  sale =
      parsed(co_await pool.call(http::verb::get, "/v1/flash-sales/" + sale_id));
  auto sku = parsed(co_await pool.call(http::verb::get, "/v1/skus/FLASH-1"));
  auto audit =
      parsed(co_await pool.call(http::verb::get, "/v1/admin/audit", {}, admin));

  auto sold = number_at(sale, "sold");
  double rate = sale.at("admission_rate").to_number<double>();
  fmt::print(
      "  time to sell out {:.2f} s; admissions {:.0f}/s against a "
      "target of {} ({:.0f}%)\n",
      figures.bought > 0
          ? std::chrono::duration<double>(figures.last_sale - opened).count()
          : -1.0,
      rate, terms.admit_per_second,
      100 * rate / static_cast<double>(terms.admit_per_second));
  fmt::print("  ticket polls: {} , p50 {:.2f} ms, p99 {:.2f} ms\n",
             figures.polls.count(), figures.polls.ms(0.5),
             figures.polls.ms(0.99));
  fmt::print("  checkouts: {} , p50 {:.2f} ms, p99 {:.2f} ms (201: {}, "
             "202: {}, 409: {}, other: {})\n",
             figures.checkouts.count(), figures.checkouts.ms(0.5),
             figures.checkouts.ms(0.99), figures.bought, figures.queued,
             figures.sold_out_answers, figures.other_answers);
  fmt::print("  units sold {} of {} (sale says {}, status {}); oversold {}; "
             "SKU available {}; audit ok: {}\n",
             figures.bought, terms.units, sold, text_at(sale, "status"),
             std::max<int64_t>(0, sold - terms.units),
             number_at(sku, "available"),
             audit.is_object() && audit.at("ok").as_bool() ? "yes" : "no");
  if (figures.lost_polls > 0)
    fmt::print("  {} polls lost (no answer, or neither 200 nor 429)\n",
               figures.lost_polls);
}

// ---- 2. overload ----

struct step_figures {
  /// 201s that ended paid.
  int64_t created = 0;
  int64_t queued = 0;
  /// The 202s' orders with their buyer's token, checked once drained.
  std::vector<std::pair<std::string, std::string>> queued_orders;
  int64_t refused = 0;
  int64_t other = 0;
  latencies refusals;
};

struct browse_figures {
  latencies pages;
  latencies searches;
};

/// What the browsing client searches for.
constexpr std::array<std::string_view, 5> search_words{
    "voltra", "headphones", "wireless", "black", "edition"};

/// Reads product pages and searches, one request at a time on each of
/// `width` connections, until `stop`.
awaitable<void> browse(connection_pool& pool,
                       const std::vector<std::string>& products,
                       const std::atomic<bool>& stop, browse_figures& figures,
                       size_t width) {
  co_await for_each(width, width, [&](size_t lane) -> awaitable<void> {
    for (size_t request = lane; !stop; ++request) {
      auto page = co_await pool.call(http::verb::get,
                                     "/v1/products/" +
                                         products[request % products.size()]);
      if (page.status == 200)
        figures.pages.add(page.seconds);
      auto found = co_await pool.call(
          http::verb::get,
          fmt::format("/v1/search?q={}",
                      search_words[request % search_words.size()]));
      if (found.status == 200)
        figures.searches.add(found.seconds);
    }
  });
}

/// The browsing client: a thread and io_context of its own, so that its
/// answers never wait behind the checkouts' in the load generator.
class browsing_client {
public:
  browsing_client(uint16_t port, const std::vector<std::string>& products)
      : port_(port), products_(products) {}
  ~browsing_client() { stop(); }

  /// Browses into `figures` until stop().
  void start(browse_figures& figures) {
    stop_ = false;
    thread_ = std::thread{[this, &figures] {
      run([&](asio::io_context& io) -> awaitable<void> {
        connection_pool pool{io, port_, 2};
        co_await browse(pool, products_, stop_, figures, 2);
      });
    }};
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
  }

private:
  uint16_t port_;
  const std::vector<std::string>& products_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// Checkouts answered per second, closed-loop on `width` connections.
awaitable<double> checkout_capacity(connection_pool& pool,
                                    const std::vector<account>& buyers,
                                    size_t width, std::chrono::seconds span) {
  int64_t created = 0;
  auto started = clock_type::now();
  co_await for_each(width, width, [&](size_t lane) -> awaitable<void> {
    for (size_t request = 0; clock_type::now() - started < span; ++request) {
      auto bought = co_await pool.call(
          http::verb::post, "/v1/checkout", checkout_body("HOT-1", {}),
          buyers[lane % buyers.size()].token,
          idempotency(fmt::format("cap-{}-{}", lane, request)));
      created +=
          bought.status == 201 && paid(text_at(parsed(bought), "status"));
    }
  });
  co_return static_cast<double>(created) / since(started);
}

/// Waits until the node has no checkout running or queued; seconds spent.
awaitable<double> drained(connection_pool& pool) {
  auto started = clock_type::now();
  static const std::regex busy{
      R"re(tillroll_checkout_admission\{state="(in_flight|queued)"\} ([0-9.e+]+))re"};
  for (int tries = 0; tries < 12'000; ++tries) {
    auto metrics = co_await pool.call(http::verb::get, "/metrics");
    if (metrics.status != 200) {
      co_await pause_for(5ms);
      continue;
    }
    double left = 0;
    for (std::sregex_iterator found{metrics.body.begin(), metrics.body.end(),
                                    busy};
         found != std::sregex_iterator{}; ++found)
      left += std::stod((*found)[2]);
    if (left == 0)
      break;
    co_await pause_for(5ms);
  }
  co_return since(started);
}

/// Checkout offered at `rate` per second for `span`, not waiting for
/// answers (open loop).
awaitable<void> offer(connection_pool& pool, const std::vector<account>& buyers,
                      double rate, std::chrono::seconds span,
                      const std::string& step, step_figures& figures) {
  auto executor = co_await asio::this_coro::executor;
  auto started = clock_type::now();
  size_t outstanding = 0;
  auto interval = std::chrono::duration<double>(1.0 / rate);
  asio::steady_timer tick{executor};
  for (size_t sent = 0;; ++sent) {
    auto due = started + std::chrono::duration_cast<clock_type::duration>(
                             interval * static_cast<double>(sent));
    if (due - started >= span)
      break;
    tick.expires_at(due);
    co_await tick.async_wait(use_awaitable);
    ++outstanding;
    asio::co_spawn(
        executor,
        [&, sent]() -> awaitable<void> {
          auto bought = co_await pool.call(
              http::verb::post, "/v1/checkout", checkout_body("HOT-1", {}),
              buyers[sent % buyers.size()].token,
              idempotency(fmt::format("{}-{}", step, sent)));
          if (bought.status == 201 && paid(text_at(parsed(bought), "status")))
            ++figures.created;
          else if (bought.status == 202) {
            ++figures.queued;
            figures.queued_orders.emplace_back(
                text_at(parsed(bought), "order_id"),
                buyers[sent % buyers.size()].token);
          } else if (bought.status == 429) {
            ++figures.refused;
            figures.refusals.add(bought.seconds);
          } else
            ++figures.other;
        },
        [&outstanding](std::exception_ptr) { --outstanding; });
  }
  asio::steady_timer idle{executor};
  while (outstanding > 0) {
    idle.expires_after(1ms);
    co_await idle.async_wait(use_awaitable);
  }
}

awaitable<void> play_overload(asio::io_context& io, uint16_t port,
                              std::chrono::seconds span) {
  connection_pool setup{io, port, 64};
  auto seller = co_await sign_up(setup, "seller@bench.local", "seller");
  std::vector<std::string> products;
  products.push_back(co_await list_product(setup, seller.token, "HOT-1",
                                           1'000'000'000,
                                           "Voltra Wireless Headphones X200"));
  for (int index = 0; index < 50; ++index)
    products.push_back(co_await list_product(
        setup, seller.token, fmt::format("BROWSE-{}", index), 100,
        fmt::format("Voltra black edition headphones {}", index)));
  auto buyers = co_await sign_up_buyers(setup, 256, "load");
  for (auto& buyer : buyers)
    if (buyer.token.empty())
      std::abort();

  browsing_client browser{port, products};
  browse_figures quiet;
  browser.start(quiet);
  co_await pause_for(span);
  browser.stop();
  auto quiet_page = quiet.pages.ms(0.99);
  auto quiet_search = quiet.searches.ms(0.99);

  connection_pool shoppers{io, port, 12'000};
  auto capacity = co_await checkout_capacity(shoppers, buyers, 64, span);
  co_await drained(setup);
  fmt::print("  capacity {:.0f} checkouts/s (closed loop, 64 connections); "
             "unloaded p99: page {:.2f} ms, search {:.2f} ms\n",
             capacity, quiet_page, quiet_search);
  fmt::print("  {:>5} {:>9} {:>9} {:>9} {:>7} {:>7} {:>10} {:>14} {:>14}\n",
             "load", "offered/s", "goodput/s", "of capac.", "202s", "429s",
             "429 p99 ms", "page p99 ms", "search p99 ms");
  // Goodput per step; the best of them is the peak the 5x step is held to.
  std::map<int, double> goodputs;
  for (int times : {1, 2, 5, 10}) {
    step_figures figures;
    browse_figures loaded;
    browser.start(loaded);
    auto started = clock_type::now();
    co_await offer(shoppers, buyers, capacity * times, span,
                   fmt::format("x{}", times), figures);
    co_await drained(setup);
    auto elapsed = since(started);
    browser.stop();
    // Every accepted checkout ran to its end by now: the paid 201s, and the
    // 202s the queue started later, counted if their orders ended paid.
    int64_t queued_paid = 0;
    co_await for_each(figures.queued_orders.size(), 64,
                      [&](size_t index) -> awaitable<void> {
                        auto& [order, token] = figures.queued_orders[index];
                        queued_paid += co_await ended_paid(setup, order, token);
                      });
    auto goodput = static_cast<double>(figures.created + queued_paid) / elapsed;
    goodputs[times] = goodput;
    fmt::print("  {:>4}x {:>9.0f} {:>9.0f} {:>8.0f}% {:>7} {:>7} {:>10.2f} "
               "{:>6.2f} ({:>4.1f}x) {:>6.2f} ({:>4.1f}x)\n",
               times, capacity * times, goodput, 100 * goodput / capacity,
               figures.queued, figures.refused, figures.refusals.ms(0.99),
               loaded.pages.ms(0.99), loaded.pages.ms(0.99) / quiet_page,
               loaded.searches.ms(0.99),
               loaded.searches.ms(0.99) / quiet_search);
    if (figures.other > 0)
      fmt::print("        {} answers neither 201, 202 nor 429\n",
                 figures.other);
  }
  double best = 0;
  for (auto& [times, goodput] : goodputs)
    best = std::max(best, goodput);
  fmt::print("  goodput at 5x: {:.0f}% of the best step's, {:.0f}% of the "
             "closed-loop capacity (goal: 90% of peak)\n",
             100 * goodputs[5] / best, 100 * goodputs[5] / capacity);
}

} // namespace

int main(int argc, char** argv) {
  sale_terms terms;
  if (argc > 1)
    terms.buyers = std::stoul(argv[1]);
  if (argc > 2)
    terms.units = std::stoll(argv[2]);
  if (argc > 3)
    terms.admit_per_second = std::stoll(argv[3]);
  auto span = std::chrono::seconds{argc > 4 ? std::atoi(argv[4]) : 5};

  // BUYERS 0: the overload alone.
  if (terms.buyers > 0) {
    fmt::print("flash sale over HTTP: {} buyers, {} units, one each, admitted "
               "at {}/s (durability always)\n",
               terms.buyers, terms.units, terms.admit_per_second);
    served_store store{{}};
    run([&](asio::io_context& io) { return play_sale(io, store.port, terms); });
  }
  fmt::print("\noverload: checkout offered open-loop at 1x..10x the measured "
             "capacity, {} s a step, while 2 connections browse and search\n",
             span.count());
  {
    served_store store{
        {"--limit-checkout-per-buyer", "0", "--checkout-queue-max", "2000"}};
    run([&](asio::io_context& io) {
      return play_overload(io, store.port, span);
    });
  }
}
