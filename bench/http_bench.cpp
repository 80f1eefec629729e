// HTTP benchmarks against the real binary, with wrk:
// 1. A product page GET (wrk -t1 -c32), and in the same run nginx (Debian
//    package, started here on loopback and stopped after) serving the very
//    same bytes as a static file; the ratios of throughput and p99.
// 2. Checkout over HTTP (every write fsync'd), paid orders/s with p50 and
//    p99 at 32 and 256 connections, on one hot SKU and spread over 10,000
//    SKUs, beside PostgreSQL's one-transaction checkout over as many SKUs
//    (bench/peers/postgres_checkout.sh) in the same run.
// 3. Projection visibility under that load: from an event's recording to
//    its read model's commit, p50 and p99 of /metrics' histogram.
// 4. The seed's browse-to-buy mix at saturation: product pages and search
//    from one wrk, checkouts of SKUs with little stock from another, both
//    at once; both throughputs and p99s, units sold against orders paid.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "../test/support/process.hpp"
#include "peer.hpp"
#include "wrk.hpp"

using namespace tillroll;
using namespace tillroll::bench;
namespace json = boost::json;

namespace {

const std::string binary = TILLROLL_BINARY;

/// nginx on loopback serving `body` at /product.json; stopped on scope exit.
struct nginx_peer {
  bench::temp_directory directory;
  std::optional<test::server_process> server;
  uint16_t port = 0;

  nginx_peer(const std::string& body, uint16_t listen_port)
      : port(listen_port) {
    auto root = directory.path() / "www";
    std::filesystem::create_directories(root);
    std::ofstream{root / "product.json", std::ios::binary} << body;
    auto config = directory.path() / "nginx.conf";
    std::ofstream{config} << fmt::format(
        "worker_processes 1;\ndaemon off;\npid {0}/nginx.pid;\n"
        "error_log {0}/error.log;\nevents {{ worker_connections 1024; }}\n"
        "http {{\n  access_log off;\n  default_type application/json;\n"
        "  etag on;\n  client_body_temp_path {0};\n  proxy_temp_path {0};\n"
        "  fastcgi_temp_path {0};\n  uwsgi_temp_path {0};\n  scgi_temp_path "
        "{0};\n"
        "  server {{\n    listen 127.0.0.1:{1};\n    root {2};\n"
        "    location / {{ add_header Cache-Control \"public, max-age=60\"; "
        "}}\n"
        "  }}\n}}\n",
        directory.path().string(), port, root.string());
    server.emplace(std::vector<std::string>{"/usr/sbin/nginx", "-c",
                                            config.string(), "-p",
                                            directory.path().string()});
    for (int tries = 0; tries < 200; ++tries) {
      auto reply = test::http_get(port, "/product.json");
      if (reply && reply->status == 200)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    port = 0;
  }
  ~nginx_peer() {
    if (server)
      server->stop(std::chrono::seconds{10});
  }
};

/// The shop under test and its accounts.
struct shop {
  uint16_t port = 0;
  std::string seller;
  std::string admin;
  std::vector<std::string> buyers;
};

/// Lists a product of `variants` SKUs `prefix`-0.. with `stock` each; its id.
std::string list_product(const shop& at, const std::string& prefix,
                         int variants, int64_t stock) {
  json::array listed;
  for (int n = 0; n < variants; ++n)
    listed.push_back(json::object{{"sku", fmt::format("{}-{}", prefix, n)},
                                  {"price_cents", 9999},
                                  {"currency", "USD"},
                                  {"attributes", {{"size", std::to_string(n)}}},
                                  {"stock", stock}});
  json::object body{
      {"title", "Voltra Wireless Headphones " + prefix},
      {"description", "Over-ear, 30 hours of battery."},
      {"brand", "Voltra"},
      {"category", "Electronics"},
      {"attributes", {{"material", "aluminium"}}},
      {"images", json::array{"https://img.tillroll.example/x.jpg"}},
      {"variants", std::move(listed)}};
  auto made =
      call(at.port, "POST", "/v1/products", json::serialize(body), at.seller);
  if (!made || made->status != 201)
    std::abort();
  return std::string{json::parse(made->body).at("id").as_string()};
}

/// The product's page once the catalog has it.
std::string page_of(uint16_t port, const std::string& path) {
  std::optional<test::http_reply> page;
  for (int tries = 0; tries < 500 && !(page && page->status == 200); ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
    page = test::http_get(port, path);
  }
  if (!page || page->status != 200)
    std::abort();
  return page->body;
}

void product_page_against_nginx(const shop& at, int seconds,
                                const std::string& path) {
  auto body = page_of(at.port, path);
  fmt::print("product page GET, wrk -t1 -c32 -d{}s, {} bytes of JSON\n",
             seconds, body.size());
  auto ours =
      run_wrk(fmt::format("-t1 -c32 -d{}s --latency http://127.0.0.1:{}{}",
                          seconds, at.port, path));
  nginx_peer nginx{body, static_cast<uint16_t>(at.port + 1)};
  std::optional<wrk_figures> theirs;
  if (nginx.port != 0)
    theirs = run_wrk(
        fmt::format("-t1 -c32 -d{}s --latency http://127.0.0.1:{}/product.json",
                    seconds, nginx.port));
  if (ours)
    fmt::print("  tillroll: {:>9.0f} req/s  p99 {:.2f} ms\n",
               ours->requests_per_second, ours->p99_ms);
  if (theirs)
    fmt::print("  nginx:    {:>9.0f} req/s  p99 {:.2f} ms\n",
               theirs->requests_per_second, theirs->p99_ms);
  if (ours && theirs)
    fmt::print("  ratio: {:.2f}x nginx's throughput, {:.2f}x its p99 (goal >= "
               "1.0x, p99 <= 1.5x)\n",
               ours->requests_per_second / theirs->requests_per_second,
               ours->p99_ms / theirs->p99_ms);
}

std::string metrics(uint16_t port) {
  auto reply = test::http_get(port, "/metrics");
  return reply ? reply->body : std::string{};
}

void checkout_over_http(const shop& at, int seconds,
                        const std::vector<std::string>& hot,
                        const std::vector<std::string>& spread) {
  bench::temp_directory scripts;
  fmt::print("\ncheckout over HTTP (durability always), paid orders/s, {} s "
             "per point; PostgreSQL: the one-transaction checkout\n",
             seconds);
  fmt::print("{:>6} {:>11} {:>10} {:>9} {:>9} {:>22}\n", "skus", "connections",
             "orders/s", "p50 ms", "p99 ms", "pg one (ratio)");
  auto before = metrics(at.port);
  for (auto* bodies : {&hot, &spread}) {
    auto script = scripts.path() / "checkout.lua";
    write_checkout_script(script.string(), at.buyers, *bodies);
    for (int connections : {32, 256}) {
      auto run = run_wrk(fmt::format(
          "-t1 -c{} -d{}s --latency -s {} http://127.0.0.1:{}/v1/checkout",
          connections, seconds, script.string(), at.port));
      auto orders = run && run->seconds > 0 ? run->created / run->seconds : 0.0;
      auto skus = bodies->size() == 1 ? 1 : 10'000;
      auto postgres =
          bench::peer_script("postgres_checkout.sh", connections,
                             fmt::format("{} one {}", seconds, skus));
      fmt::print("{:>6} {:>11} {:>10.0f} {:>9.2f} {:>9.2f} {:>22}\n", skus,
                 connections, orders, run ? run->p50_ms : 0.0,
                 run ? run->p99_ms : 0.0, bench::ratio(orders, postgres));
      if (run && run->failed > 0)
        fmt::print("  {} answers were neither 2xx nor 3xx\n", run->failed);
    }
  }
  fmt::print("  goal: >= 5000 paid orders/s at 256 connections\n");
  auto after = metrics(at.port);
  fmt::print("\nprojection visibility under that load (recorded -> committed "
             "in the read model; bucket bounds, goal p99 < 100 ms):\n");
  for (auto* name : {"catalog", "search", "orders", "ledger"}) {
    auto series = fmt::format(
        "tillroll_projection_visibility_seconds_bucket{{projection=\"{}\",",
        name);
    auto p50 = histogram_quantile(before, after, series, 0.5);
    auto p99 = histogram_quantile(before, after, series, 0.99);
    if (p50 && p99)
      fmt::print("  {:<8} p50 <= {:.1f} ms  p99 <= {:.1f} ms\n", name,
                 *p50 * 1000, *p99 * 1000);
  }
}

int64_t available(uint16_t port, const std::string& sku) {
  auto reply = test::http_get(port, "/v1/skus/" + sku);
  if (!reply || reply->status != 200)
    return -1;
  return json::parse(reply->body).at("available").as_int64();
}

void browse_and_buy(const shop& at, int seconds,
                    const std::vector<std::string>& pages) {
  constexpr int skus = 10;
  constexpr int64_t stock = 1000;
  list_product(at, "MIX", skus, stock);
  std::vector<std::string> bodies;
  for (int n = 0; n < skus; ++n)
    bodies.push_back(one_unit_body(fmt::format("MIX-{}", n)));
  bench::temp_directory scripts;
  auto buy = scripts.path() / "buy.lua";
  write_checkout_script(buy.string(), at.buyers, bodies);
  auto browse = scripts.path() / "browse.lua";
  write_browse_script(browse.string(), pages);
  std::optional<wrk_figures> browsed;
  std::optional<wrk_figures> bought;
  std::thread browser{[&] {
    browsed = run_wrk(fmt::format("-t1 -c64 -d{}s --latency -s {} "
                                  "http://127.0.0.1:{}",
                                  seconds, browse.string(), at.port));
  }};
  bought = run_wrk(fmt::format("-t1 -c64 -d{}s --latency -s {} "
                               "http://127.0.0.1:{}/v1/checkout",
                               seconds, buy.string(), at.port));
  browser.join();
  // Every checkout has been answered; a 202 may still settle.
  std::this_thread::sleep_for(std::chrono::seconds{2});
  int64_t sold = 0;
  int64_t oversold = 0;
  for (int n = 0; n < skus; ++n) {
    auto left = available(at.port, fmt::format("MIX-{}", n));
    sold += stock - left;
    oversold += left < 0 ? -left : 0;
  }
  auto audit = call(at.port, "GET", "/v1/admin/audit", "", at.admin);
  fmt::print("\nbrowse and buy at once, {} s: product pages and search "
             "(wrk -c64) beside checkouts of {} SKUs of {} units (wrk -c64)\n",
             seconds, skus, stock);
  if (browsed && bought) {
    fmt::print("  browse: {:>8.0f} req/s  p50 {:.2f} ms  p99 {:.2f} ms\n",
               browsed->requests_per_second, browsed->p50_ms, browsed->p99_ms);
    fmt::print("  buy:    {:>8.0f} req/s  p50 {:.2f} ms  p99 {:.2f} ms  "
               "({} paid, {} queued)\n",
               bought->requests_per_second, bought->p50_ms, bought->p99_ms,
               bought->created, bought->queued);
    fmt::print("  browse:buy {:.0f}:1 by requests\n",
               browsed->requests_per_second /
                   std::max(1.0, bought->requests_per_second));
    // wrk stops with up to 64 checkouts in flight: they are sold and
    // paid, but wrk never counts their answers.
    fmt::print("  units sold {} of {}, orders paid {} (+ up to 64 in flight "
               "when wrk stopped); oversold {}; audit ok: {}\n",
               sold, skus * stock, bought->created, oversold,
               audit && audit->status == 200 &&
                       json::parse(audit->body).at("ok").as_bool()
                   ? "yes"
                   : "no");
  }
}

} // namespace

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 5;
  bench::temp_directory data;
  // Many buyers check out as fast as they can: no per-buyer limit, and
  // cheap password hashes for the sign-ups.
  test::server_process server{
      {binary, "serve", "--data-dir", data.path().string(), "--listen",
       "127.0.0.1:0", "--limit-checkout-per-buyer", "0", "--password-hashing",
       "minimum", "--admin-email", "admin@bench.local", "--admin-password",
       "bench-password"}};
  auto listening = listening_port(server);
  if (!listening)
    return 1;
  shop at;
  at.port = *listening;
  at.seller = account(at.port, "seller@bench.local", "seller");
  at.admin = account(at.port, "admin@bench.local", "buyer");
  for (int n = 0; n < 256; ++n)
    at.buyers.push_back(
        account(at.port, fmt::format("buyer{}@bench.local", n), "buyer"));
  auto hot_product = list_product(at, "HOT", 1, 1'000'000'000);
  std::vector<std::string> spread;
  for (int product = 0; product < 100; ++product)
    list_product(at, fmt::format("S{}", product), 100, 1'000'000'000);
  for (int sku = 0; sku < 10'000; ++sku)
    spread.push_back(
        one_unit_body(fmt::format("S{}-{}", sku % 100, sku / 100)));
  auto path = "/v1/products/" + hot_product;
  product_page_against_nginx(at, seconds, path);
  checkout_over_http(at, seconds, {one_unit_body("HOT-0")}, spread);
  browse_and_buy(at, seconds,
                 {path, path, "/v1/search?q=wireless+headphones&in_stock=true",
                  path, "/v1/search?q=voltra&category=Electronics",
                  "/v1/products?category=Electronics"});
  server.stop(std::chrono::seconds{30});
  return 0;
}
