// The recommendation read model, served from memory: bought-together
// counts and each buyer's purchases from confirmed orders. Queries add
// content similarity (category, brand, attributes) from the catalog, drop
// what the buyer has and what is out of stock, and re-rank for diversity.
#pragma once

#include "projections/projection.hpp"

#include <map>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace tillroll {

class catalog;
struct product_features;

struct recommendation {
  std::string product_id;
  double score = 0;
  /// bought_together, similar_buyers, similar, popular
  std::string reason;
};

inline constexpr size_t recommendations_max = 50;

class recommendations final : public projection {
public:
  std::string_view name() const override { return "recommendations"; }
  expected<void> load_entry(std::string_view key,
                            std::string_view value) override;
  expected<void> apply(const recorded_event& event,
                       projection_writer& changes) override;
  void reset() override;

  /// Bought together with the product, then similar products.
  std::vector<recommendation> related(std::string_view product_id,
                                      const catalog& products,
                                      size_t limit) const;
  /// From the buyer's history and what buyers like them bought; the
  /// best sellers for a buyer without history.
  std::vector<recommendation> for_buyer(std::string_view buyer_id,
                                        const catalog& products,
                                        size_t limit) const;
  /// How often two products were in one confirmed order.
  uint64_t bought_together(std::string_view a, std::string_view b) const;

private:
  struct pending_order {
    std::string buyer_id;
    std::vector<std::string> products;
    template <class Archive> void serialize(Archive& archive) {
      archive(buyer_id, products);
    }
  };
  void remember_purchase(const std::string& buyer_id,
                         const std::string& product_id);

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, pending_order> pending_;
  std::unordered_map<std::string, std::map<std::string, uint64_t>> pairs_;
  std::unordered_map<std::string, std::set<std::string>> bought_by_buyer_;
  std::unordered_map<std::string, std::set<std::string>> buyers_of_product_;
};

/// Content similarity of two products in [0, 1].
double similarity(const product_features& a, const product_features& b);

} // namespace tillroll
