#include "projections/search/search_schema.hpp"

#include "projections/search/search_index.hpp"

#include <xapian.h>

#include <bit>
#include <cctype>
#include <iterator>

namespace tillroll::search_schema {

std::string lower(std::string_view text) {
  std::string out{text};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty())
    out.push_back(std::move(word));
  return out;
}

std::string id_term(std::string_view product_id) {
  return std::string{id_term_prefix} + std::string{product_id};
}

std::string filter_term(std::string_view prefix, std::string_view value) {
  return std::string{prefix} + lower(value).substr(0, filter_term_size_max);
}

size_t price_bucket_of(int64_t price_cents) {
  size_t bucket = 0;
  for (auto edge : price_bucket_edges_cents) {
    if (price_cents < edge)
      return bucket;
    ++bucket;
  }
  return bucket;
}

// The bucket is one digit: there are fewer than ten buckets.
static_assert(std::size(price_bucket_edges_cents) < 10);

std::string facet_value(const std::string& category, const std::string& brand,
                        size_t price_bucket) {
  std::string value;
  value += static_cast<char>('0' + price_bucket);
  value += category;
  value += facet_separator;
  value += brand;
  return value;
}

std::optional<facet_parts> read_facet_value(std::string_view value) {
  auto split = value.find(facet_separator);
  if (value.empty() || split == std::string_view::npos)
    return std::nullopt;
  return facet_parts{static_cast<size_t>(value[0] - '0'),
                     value.substr(1, split - 1), value.substr(split + 1)};
}

int popularity_band(int64_t sold) {
  // At most 64: a uint64_t has 64 bits.
  return sold <= 0
             ? 0
             : static_cast<int>(std::bit_width(static_cast<uint64_t>(sold)));
}

// The band, not the exact count: an index built in other batches holds the
// same value, so a rebuild ranks exactly as the incremental build.
std::string boost_value(int64_t sold, int64_t listed_at_us) {
  std::string out;
  append_big_endian(out, static_cast<uint64_t>(popularity_band(sold)));
  append_big_endian(out, static_cast<uint64_t>(listed_at_us));
  return out;
}

failure xapian_failure(const Xapian::Error& error) {
  return failure{errc::storage_failure,
                 "search index: " + error.get_description(), true};
}

} // namespace tillroll::search_schema
