// HTTP benchmarks against the real binary, with wrk:
// 1. A product page GET (wrk -t1 -c32), and in the same run nginx (Debian
//    package, started here on loopback and stopped after) serving the very
//    same bytes as a static file; the ratio and p99 latency.
// 2. Hot-SKU checkout over HTTP (every write fsync'd) at 32 and 256
//    connections, beside the Redis (appendfsync always) and PostgreSQL
//    reservation figures of bench/peers/ measured in the same run.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <regex>

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

} // namespace

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 5;
  bench::temp_directory data;
  test::server_process server{{binary, "serve", "--data-dir",
                               data.path().string(), "--listen",
                               "127.0.0.1:0"}};
  auto listening = listening_port(server);
  if (!listening)
    return 1;
  auto port = *listening;

  auto seller = account(port, "seller@bench.local", "seller");
  auto made = call(port, "POST", "/v1/products", R"({
    "title":"Voltra Wireless Headphones X200","description":"Over-ear, 30 hours of battery.",
    "brand":"Voltra","category":"Electronics","attributes":{"material":"aluminium"},
    "images":["https://img.tillroll.example/x200.jpg"],
    "variants":[{"sku":"HOT-1","price_cents":9999,"currency":"USD",
                 "attributes":{"color":"black"},"stock":1000000000}]})",
                   seller);
  if (!made || made->status != 201)
    return 1;
  auto product_id = std::string{json::parse(made->body).at("id").as_string()};
  auto path = "/v1/products/" + product_id;
  std::optional<test::http_reply> page;
  for (int tries = 0; tries < 500 && !(page && page->status == 200); ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
    page = test::http_get(port, path);
  }
  if (!page || page->status != 200)
    return 1;

  fmt::print("product page GET, wrk -t1 -c32 -d{}s, {} bytes of JSON\n",
             seconds, page->body.size());
  auto ours = run_wrk(fmt::format(
      "-t1 -c32 -d{}s --latency http://127.0.0.1:{}{}", seconds, port, path));
  nginx_peer nginx{page->body, static_cast<uint16_t>(port + 1)};
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
    fmt::print("  ratio: {:.2f}x nginx (goal >= 1.0x, p99 <= 2 ms)\n",
               ours->requests_per_second / theirs->requests_per_second);

  // Hot-SKU checkout: many buyers, one SKU, every order a fresh key.
  std::vector<std::string> tokens;
  for (int n = 0; n < 16; ++n)
    tokens.push_back(
        account(port, fmt::format("buyer{}@bench.local", n), "buyer"));
  bench::temp_directory scripts;
  auto script = scripts.path() / "checkout.lua";
  write_checkout_script(script.string(), tokens, {one_unit_body("HOT-1")});
  fmt::print(
      "\nhot-SKU checkout over HTTP (durability always), {} s per point\n",
      seconds);
  fmt::print("{:>11} {:>16} {:>24} {:>24}\n", "connections", "orders/s",
             "redis (ratio)", "postgres (ratio)");
  for (int connections : {32, 256}) {
    auto run = run_wrk(
        fmt::format("-t1 -c{} -d{}s -s {} http://127.0.0.1:{}/v1/checkout",
                    connections, seconds, script.string(), port));
    auto orders = run && run->seconds > 0 ? run->created / run->seconds : 0.0;
    auto redis = bench::peer_script("redis_hot_sku.sh", connections, "100000");
    auto postgres = bench::peer_script("postgres_hot_sku.sh", connections,
                                       std::to_string(seconds));
    fmt::print("{:>11} {:>16.0f} {:>24} {:>24}\n", connections, orders,
               bench::ratio(orders, redis), bench::ratio(orders, postgres));
  }
  fmt::print(
      "  (Redis and PostgreSQL: one reservation per request; tillroll: a "
      "full checkout, paid, per request)\n");
  server.stop(std::chrono::seconds{30});
  return 0;
}
