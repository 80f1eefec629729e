// A deterministic catalog generator: from a seed, N products with
// realistic titles, brands, categories, attributes, variants, prices and
// stock, for the demo store, tests and benchmarks. Nothing is downloaded.
#pragma once

#include "events/expected.hpp"
#include "events/product_events.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tillroll {

struct catalog_generator_options {
  uint64_t seed = 42;
  size_t products = 100;
  size_t sellers = 10;
  /// Ids start here, so catalogs generated in parts do not collide.
  size_t first_index = 0;
  /// When set, the products' sellers, in place of generated ids.
  std::vector<std::string> seller_ids;
  /// Share of variants listed with no stock, in percent.
  unsigned out_of_stock_percent = 5;
};

struct generated_product {
  std::string product_id;
  product_listed listing;
};

/// The same options give the same catalog, on any machine.
std::vector<generated_product>
generate_catalog(const catalog_generator_options& options);

/// The seller id generate_catalog uses for seller number `index`.
std::string generated_seller_id(size_t index);

/// Lists every product through its actor, `in_flight` at a time; the
/// number listed.
[[nodiscard]] expected<size_t>
list_catalog(caf::actor_system& system, const caf::actor& registry,
             const std::vector<generated_product>& products,
             size_t in_flight = 64);

} // namespace tillroll
