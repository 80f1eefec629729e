// Cluster benchmarks against the real binary over HTTP, with wrk, every
// write fsync'd:
// 1. One command through its entity's owner against the same command
//    through another member, which forwards it over the cluster link: a
//    read the SKU's actor answers (GET /v1/skus/{sku}) and a durable write
//    (POST /v1/skus/{sku}/stock); latency at 1 connection (p50/p99) and
//    throughput at 32.
// 2. Checkout throughput at 256 connections over SKUs spread across the
//    members: one node, then three members on loopback, one wrk per
//    member, with each process's CPU seconds to show where the time goes.
#include "actors/cluster/membership.hpp"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "../test/support/process.hpp"
#include "peer.hpp"
#include "wrk.hpp"

using namespace tillroll;
using namespace tillroll::bench;

namespace {

const std::string binary = TILLROLL_BINARY;
const std::string secret = "5b1e9c0a7f3d42e8b6a1c9d07e4f2a3b";
const std::string members =
    "a=127.0.0.1:17901,b=127.0.0.1:17902,c=127.0.0.1:17903";

/// A node on a fresh directory and a free HTTP port; `id` empty: alone.
struct node {
  temp_directory data;
  std::optional<test::server_process> server;
  uint16_t port = 0;

  explicit node(const std::string& id) {
    std::vector<std::string> arguments{binary,
                                       "serve",
                                       "--data-dir",
                                       data.path().string(),
                                       "--listen",
                                       "127.0.0.1:0",
                                       "--limit-checkout-per-buyer",
                                       "1000000",
                                       "--limit-sign-in-per-address",
                                       "1000000"};
    if (!id.empty())
      arguments.insert(arguments.end(), {"--node-id", id, "--members", members,
                                         "--cluster-secret", secret});
    server.emplace(arguments);
    port = listening_port(*server).value_or(0);
  }
  ~node() {
    if (server)
      server->stop(std::chrono::seconds{30});
  }
  /// User and system CPU seconds the process has used so far.
  double cpu_seconds() const {
    std::ifstream stat{"/proc/" + std::to_string(server->pid()) + "/stat"};
    std::string text{std::istreambuf_iterator<char>{stat}, {}};
    std::istringstream fields{text.substr(text.rfind(')') + 2)};
    std::string field;
    double ticks = 0;
    // After the name: state is field 3; utime and stime are 14 and 15.
    for (int number = 3; number <= 15 && fields >> field; ++number)
      if (number >= 14)
        ticks += std::stod(field);
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
};

std::string owner_of(const std::string& stream) {
  return parse_membership("a", members)->owner_of(stream);
}

/// The first SKU id `prefix-N` member `id` owns.
std::string sku_on(const std::string& id, const std::string& prefix) {
  for (int n = 0;; ++n) {
    auto sku = prefix + "-" + std::to_string(n);
    if (owner_of("sku-" + sku) == id)
      return sku;
  }
}

/// Lists one product with `skus` through `port`; true once each answers.
bool list(uint16_t port, const std::string& seller,
          const std::vector<std::string>& skus, int64_t stock) {
  json::array variants;
  for (auto& sku : skus)
    variants.push_back(json::object{{"sku", sku},
                                    {"price_cents", 1000},
                                    {"currency", "USD"},
                                    {"attributes", {{"size", sku}}},
                                    {"stock", stock}});
  auto made =
      call(port, "POST", "/v1/products",
           json::serialize(json::object{{"title", "Bench " + skus.front()},
                                        {"description", "Benchmark"},
                                        {"brand", "Acme"},
                                        {"category", "Tools"},
                                        {"attributes", json::object{}},
                                        {"images", json::array{}},
                                        {"variants", variants}}),
           seller);
  if (!made || made->status != 201)
    return false;
  for (auto& sku : skus)
    for (int tries = 0;; ++tries) {
      auto read = call(port, "GET", "/v1/skus/" + sku, "");
      if (read && read->status == 200)
        break;
      if (tries == 500)
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
  return true;
}

/// wrk against one URL; `script` empty: plain GETs.
std::optional<wrk_figures> load(uint16_t port, const std::string& path,
                                int connections, int seconds,
                                const std::string& script = {}) {
  return run_wrk(fmt::format(
      "-t1 -c{} -d{}s --latency {} http://127.0.0.1:{}{}", connections, seconds,
      script.empty() ? "" : "-s " + script, port, path));
}

std::string stock_script(const std::string& directory,
                         const std::string& token) {
  auto path = directory + "/stock.lua";
  std::ofstream{path}
      << "wrk.method = \"POST\"\nwrk.body = '{\"delta\":1}'\n"
      << "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
      << "wrk.headers[\"Authorization\"] = \"Bearer " << token << "\"\n";
  return path;
}

void print_row(const std::string& what, const std::optional<wrk_figures>& one,
               const std::optional<wrk_figures>& many) {
  fmt::print("  {:<38} p50 {:>7.3f} ms  p99 {:>7.3f} ms  {:>9.0f} req/s"
             "  ({} not 2xx)\n",
             what, one ? one->p50_ms : 0.0, one ? one->p99_ms : 0.0,
             many ? many->requests_per_second : 0.0,
             (one ? one->failed : 0) + (many ? many->failed : 0));
}

/// Forwarded against local, through a's and b's HTTP ports, of a SKU a owns.
void command_latency(std::vector<std::unique_ptr<node>>& cluster,
                     const std::string& seller, int seconds) {
  auto sku = sku_on("a", "NEAR");
  if (!list(cluster[0]->port, seller, {sku}, 1'000'000))
    return;
  temp_directory scripts;
  auto stock = stock_script(scripts.path().string(), seller);
  fmt::print("one command, local (through its owner a) against forwarded "
             "(through b), wrk -c1 for p50/p99, -c32 for req/s, {} s each\n",
             seconds);
  for (auto [label, port] : {std::pair{"local", cluster[0]->port},
                             std::pair{"forwarded", cluster[1]->port}}) {
    auto path = "/v1/skus/" + sku;
    print_row(fmt::format("GET {} ({})", path, label),
              load(port, path, 1, seconds), load(port, path, 32, seconds));
    print_row(fmt::format("POST {}/stock ({})", path, label),
              load(port, path + "/stock", 1, seconds, stock),
              load(port, path + "/stock", 32, seconds, stock));
  }
}

/// Paid orders a second at 256 connections through `ports`, split evenly,
/// with the CPU seconds each node used during the run.
void checkout_load(std::vector<std::unique_ptr<node>>& nodes,
                   const std::vector<std::string>& tokens,
                   const std::vector<std::string>& skus, int seconds,
                   const std::string& label) {
  temp_directory scripts;
  std::vector<std::string> bodies;
  for (auto& sku : skus)
    bodies.push_back(one_unit_body(sku));
  auto script = (scripts.path() / "checkout.lua").string();
  write_checkout_script(script, tokens, bodies);
  std::vector<double> cpu_before;
  for (auto& each : nodes)
    cpu_before.push_back(each->cpu_seconds());
  std::vector<std::optional<wrk_figures>> runs(nodes.size());
  std::vector<std::thread> clients;
  for (size_t index = 0; index < nodes.size(); ++index)
    clients.emplace_back([&, index] {
      runs[index] = load(nodes[index]->port, "/v1/checkout",
                         static_cast<int>(256 / nodes.size()), seconds, script);
    });
  for (auto& client : clients)
    client.join();
  double orders = 0;
  uint64_t failed = 0, queued = 0;
  std::string cpu;
  for (size_t index = 0; index < nodes.size(); ++index) {
    if (runs[index] && runs[index]->seconds > 0)
      orders += runs[index]->created / runs[index]->seconds;
    failed += runs[index] ? runs[index]->failed : 0;
    queued += runs[index] ? runs[index]->queued : 0;
    cpu +=
        fmt::format(" {:.1f}", nodes[index]->cpu_seconds() - cpu_before[index]);
  }
  fmt::print("  {:<14} {:>9.0f} paid orders/s  ({} queued 202, {} not "
             "2xx)  CPU s per node:{}  (of {} s x 2 cores)\n",
             label, orders, queued, failed, cpu, seconds);
}

} // namespace

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 5;
  std::vector<std::unique_ptr<node>> cluster;
  for (auto id : {"a", "b", "c"})
    cluster.push_back(std::make_unique<node>(id));
  for (auto& member : cluster)
    if (member->port == 0)
      return 1;
  // Members connect to each other within a second of starting; a seller's
  // sign-up needs its user's owner up.
  std::string seller;
  for (int tries = 0; tries < 100 && seller.empty(); ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
    auto made = call(
        cluster[0]->port, "POST", "/v1/users",
        R"({"email":"seller@bench.local","password":"bench-password","role":"seller"})");
    if (made && (made->status == 201 || made->status == 409))
      seller = account(cluster[0]->port, "seller@bench.local", "seller");
  }
  if (seller.empty())
    return 1;
  command_latency(cluster, seller, seconds);

  std::vector<std::string> skus;
  for (auto id : {"a", "b", "c"})
    for (int n = 0; n < 10; ++n)
      skus.push_back(sku_on(id, fmt::format("SPREAD{}", n)));
  std::vector<std::string> tokens;
  for (int n = 0; n < 32; ++n)
    tokens.push_back(account(cluster[n % 3]->port,
                             fmt::format("buyer{}@bench.local", n), "buyer"));
  if (!list(cluster[0]->port, seller, skus, 1'000'000'000))
    return 1;
  fmt::print("\ncheckout over HTTP, 256 connections, {} SKUs spread over the "
             "members, {} s\n",
             skus.size(), seconds);
  checkout_load(cluster, tokens, skus, seconds, "three members");
  cluster.clear();

  std::vector<std::unique_ptr<node>> single;
  single.push_back(std::make_unique<node>(""));
  auto alone_seller = account(single[0]->port, "seller@bench.local", "seller");
  std::vector<std::string> alone_tokens;
  for (int n = 0; n < 32; ++n)
    alone_tokens.push_back(account(
        single[0]->port, fmt::format("buyer{}@bench.local", n), "buyer"));
  if (!list(single[0]->port, alone_seller, skus, 1'000'000'000))
    return 1;
  checkout_load(single, alone_tokens, skus, seconds, "one node");
  fmt::print("  (three members share the machine's 2 cores: each checkout "
             "crosses the link for its order, SKU, payment and buyer where "
             "they live elsewhere, so the cluster does more work per order "
             "on the same CPU)\n");
  return 0;
}
