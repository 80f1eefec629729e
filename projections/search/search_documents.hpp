// What queries need of every document, by Xapian docid, in memory: its
// facet value (exact facet counts without a value read per match, a third
// of a large query's time) and its boost inputs (the popularity and
// recency boost without one either). Rebuilt from the index on start;
// published at each commit.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace Xapian {
class Database;
} // namespace Xapian

namespace tillroll {

struct document_table {
  /// Marks a docid with no document (deleted, or never used).
  static constexpr uint32_t no_facet = UINT32_MAX;
  /// Index into facet_values, by docid.
  std::vector<uint32_t> facet;
  std::vector<uint8_t> popularity_band;
  std::vector<int64_t> listed_at_us;
  std::vector<std::string> facet_values;
};

/// The table the runner builds as it indexes, and the one queries read:
/// a copy published at each commit, so a query never sees a document the
/// index has not committed.
class search_documents {
public:
  /// Starts over from what `index` holds.
  void read_from(const Xapian::Database& index);
  void remember(unsigned document, const std::string& facet_value,
                const std::string& boost_value);
  void publish();
  /// Safe from any thread.
  std::shared_ptr<const document_table> published() const;

private:
  void remember_facet(unsigned document, const std::string& value);
  void remember_boost(unsigned document, const std::string& value);

  document_table building_;
  std::unordered_map<std::string, uint32_t> facet_ids_;
  mutable std::mutex published_mutex_;
  std::shared_ptr<const document_table> published_;
};

} // namespace tillroll
