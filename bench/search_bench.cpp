// Search over a generated catalog (100k products by default): a fixed mix
// of queries, each with the three facets and filters, p50/p99 latency and
// queries/s through tillroll's search, and in the same run the very same
// Xapian queries through bare Xapian on the same index, with the ratio.
// Also the rebuild rate of the catalog and search projections.
#include "app/catalog_generator.hpp"
#include "app/node.hpp"
#include "events/event_log.hpp"
#include "projections/projection_runner.hpp"
#include "projections/search/search_index.hpp"
#include "projections/search/search_matching.hpp"
#include "projections/search/search_schema.hpp"

#include <fmt/format.h>
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "../test/support/temp_directory.hpp"
#include "memory.hpp"

using namespace tillroll;
using clock_type = std::chrono::steady_clock;

namespace {

std::vector<search_query> query_mix() {
  std::vector<search_query> mix;
  const char* texts[] = {"wireless headphones",
                         "running shoes",
                         "laptop",
                         "stainless steel knife",
                         "organic cotton t-shirt",
                         "tent",
                         "serum",
                         "",
                         "backpack",
                         "cookbook"};
  const char* categories[] = {"Electronics", "Shoes", "Computers",
                              "Home & Kitchen", "Clothing"};
  for (size_t n = 0; n < 20; ++n) {
    search_query query;
    query.text = texts[n % std::size(texts)];
    if (n % 3 == 0)
      query.category = categories[n % std::size(categories)];
    if (n % 2 == 0) {
      query.price_min_cents = 1000;
      query.price_max_cents = 20000;
    }
    query.in_stock_only = n % 4 != 3;
    query.order =
        n % 5 == 4 ? search_order::price_ascending : search_order::relevance;
    query.limit = 20;
    mix.push_back(query);
  }
  return mix;
}

/// The same search in plain Xapian: parse, filter, three facet spies,
/// exact counts, documents of the page read.
size_t bare_search(Xapian::Database& database, const search_query& request,
                   timestamp now) {
  using namespace search_schema;
  Xapian::Query text = Xapian::Query::MatchAll;
  if (!request.text.empty()) {
    Xapian::QueryParser parser;
    parser.set_stemmer(Xapian::Stem(stemmer_language));
    parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    parser.set_database(database);
    parser.set_default_op(Xapian::Query::OP_AND);
    text = parser.parse_query(
        request.text, Xapian::QueryParser::FLAG_PHRASE |
                          Xapian::QueryParser::FLAG_LOVEHATE |
                          Xapian::QueryParser::FLAG_SPELLING_CORRECTION);
  }
  if (request.order == search_order::relevance)
    text = Xapian::Query(Xapian::Query::OP_AND_MAYBE, text,
                         search_matching::boost_query(now));
  std::vector<Xapian::Query> filters;
  if (request.category)
    filters.emplace_back(filter_term(category_term_prefix, *request.category));
  if (request.in_stock_only)
    filters.emplace_back(std::string{in_stock_term});
  if (request.price_min_cents || request.price_max_cents)
    filters.emplace_back(
        Xapian::Query::OP_VALUE_RANGE, slot_price,
        Xapian::sortable_serialise(double(request.price_min_cents.value_or(0))),
        Xapian::sortable_serialise(
            double(request.price_max_cents.value_or(INT64_MAX))));
  auto query =
      filters.empty()
          ? text
          : Xapian::Query(Xapian::Query::OP_FILTER, text,
                          Xapian::Query(Xapian::Query::OP_AND, filters.begin(),
                                        filters.end()));
  Xapian::Enquire enquire{database};
  enquire.set_query(query);
  if (request.order == search_order::price_ascending)
    enquire.set_sort_by_value_then_relevance(slot_price, false);
  Xapian::ValueCountMatchSpy facets{slot_facets};
  enquire.add_matchspy(&facets);
  auto matches = enquire.get_mset(
      0, static_cast<Xapian::doccount>(request.limit), database.get_doccount());
  size_t bytes = 0;
  for (auto at = matches.begin(); at != matches.end(); ++at)
    bytes += at.get_document().get_data().size();
  for (auto at = facets.values_begin(); at != facets.values_end(); ++at)
    bytes += at.get_termfreq();
  return bytes + matches.get_matches_estimated();
}

struct latency_figures {
  double p50_ms = 0, p99_ms = 0, queries_per_second = 0;
};

latency_figures figures(std::vector<double> latencies, double seconds) {
  std::sort(latencies.begin(), latencies.end());
  return {latencies[latencies.size() / 2],
          latencies[latencies.size() * 99 / 100],
          static_cast<double>(latencies.size()) / seconds};
}

/// Both searches take turns over the mix, so neither gets a warmer cache.
template <class Ours, class Peer>
std::pair<latency_figures, latency_figures>
measure(const std::vector<search_query>& mix, int rounds, Ours ours,
        Peer peer) {
  std::vector<double> latencies[2];
  double seconds[2] = {0, 0};
  for (int round = 0; round < rounds; ++round)
    for (auto& query : mix)
      for (int side = 0; side < 2; ++side) {
        auto begin = clock_type::now();
        if (side == 0)
          ours(query);
        else
          peer(query);
        std::chrono::duration<double> took = clock_type::now() - begin;
        latencies[side].push_back(took.count() * 1000);
        seconds[side] += took.count();
      }
  return {figures(std::move(latencies[0]), seconds[0]),
          figures(std::move(latencies[1]), seconds[1])};
}

double rebuild_rate(event_log& log, const std::filesystem::path& directory,
                    const char* name, uint64_t* events) {
  projection_runner runner{log,
                           nullptr,
                           make_read_model(name, directory),
                           {.batch_events_max = 10'000}};
  if (!runner.reset())
    std::abort();
  auto started = clock_type::now();
  uint64_t applied = 0;
  for (;;) {
    auto batch = runner.run_once();
    if (!batch)
      std::abort();
    if (*batch == 0)
      break;
    applied += *batch;
  }
  *events = applied;
  return static_cast<double>(applied) /
         std::chrono::duration<double>(clock_type::now() - started).count();
}

} // namespace

int main(int argc, char** argv) {
  size_t products = argc > 1 ? std::stoul(argv[1]) : 100'000;
  int rounds = argc > 2 ? std::stoi(argv[2]) : 20;
  // A third argument keeps the seeded store there and reuses it on later
  // runs, to measure search alone without seeding again.
  std::optional<test::temp_directory> scratch;
  std::filesystem::path directory_path;
  if (argc > 3) {
    directory_path = argv[3];
  } else {
    scratch.emplace();
    directory_path = scratch->path();
  }
  struct {
    const std::filesystem::path& path() const { return where; }
    std::filesystem::path where;
  } directory{directory_path};
  if (!std::filesystem::exists(directory.path() / "CURRENT")) {
    node_options options;
    options.data_directory = directory.path();
    options.serve_http = false;
    // Seeding speed is not measured here; the figures are about reads.
    options.journal.mode = durability::off;
    auto opened = node::open(options);
    if (!opened)
      return 1;
    auto& running = **opened;
    auto started = clock_type::now();
    auto catalog =
        generate_catalog({.seed = 2026, .products = products, .sellers = 500});
    auto listed =
        list_catalog(running.system(), running.registry(), catalog, 256);
    if (!listed)
      return 1;
    while (!running.ready())
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    fmt::print(
        "seeded {} products through their actors in {:.1f} s\n", *listed,
        std::chrono::duration<double>(clock_type::now() - started).count());
    running.stop();
  }
  auto log = std::move(*event_log::open({directory.path()}));
  // A fourth argument `queries` skips the rebuilds (for profiling search).
  if (!(argc > 4 && std::string_view{argv[4]} == "queries")) {
    uint64_t events = 0;
    auto catalog_rate =
        rebuild_rate(*log, directory.path(), "catalog", &events);
    fmt::print("rebuild catalog: {} events at {:.0f} events/s\n", events,
               catalog_rate);
    auto search_rate = rebuild_rate(*log, directory.path(), "search", &events);
    fmt::print("rebuild search:  {} events at {:.0f} events/s\n", events,
               search_rate);
  }

  projection_runner runner{*log, nullptr,
                           make_read_model("search", directory.path())};
  if (!runner.load())
    return 1;
  auto& index = static_cast<search_index&>(runner.model());
  auto mix = query_mix();
  // One time for both sides, so both boost every document alike.
  auto now = now_timestamp();
  // Warm both paths on the same pages of the index.
  for (auto& query : mix)
    (void)index.search(query, now);
  Xapian::Database bare{index.directory().string()};
  for (auto& query : mix)
    bare_search(bare, query, now);

  auto [ours, peer] = measure(
      mix, rounds,
      [&](const search_query& query) {
        if (!index.search(query, now))
          std::abort();
      },
      [&](const search_query& query) { bare_search(bare, query, now); });
  fmt::print("search over {} products, {} queries with 3 facets:\n",
             index.size(), mix.size() * rounds);
  fmt::print("  tillroll:    p50 {:.2f} ms  p99 {:.2f} ms  {:.0f} queries/s\n",
             ours.p50_ms, ours.p99_ms, ours.queries_per_second);
  fmt::print("  bare Xapian: p50 {:.2f} ms  p99 {:.2f} ms  {:.0f} queries/s\n",
             peer.p50_ms, peer.p99_ms, peer.queries_per_second);
  fmt::print("  ratio: {:.2f}x bare Xapian (goal >= 0.9x, p50 <= 5 ms, p99 <= "
             "25 ms)\n",
             ours.queries_per_second / peer.queries_per_second);
  // The process holds the search model (and bare Xapian's pages) and
  // nothing else by now: the rebuilds' runners are gone.
  fmt::print("  index {:.0f} MiB on disk; RSS {:.0f} MiB (peak {:.0f} MiB, "
             "seeding and rebuilds included)\n",
             bench::mebibytes(bench::directory_bytes(index.directory())),
             bench::mebibytes(bench::resident_bytes()),
             bench::mebibytes(bench::peak_resident_bytes()));
  return 0;
}
