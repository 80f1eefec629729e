// What the search index stores of a product and how: the value slots, the
// term prefixes, and the byte encodings of the facet and boost values. The
// index writes them, queries and the benchmark's bare-Xapian peer read
// them, so a change here is a change of the on-disk index.
#pragma once

#include "events/byte_order.hpp"
#include "events/expected.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace Xapian {
class Error;
} // namespace Xapian

namespace tillroll::search_schema {

inline constexpr unsigned slot_price = 0;
inline constexpr unsigned slot_listed_at = 1;
inline constexpr unsigned slot_rating = 2;
inline constexpr unsigned slot_boost = 3;
/// The three facets in one value: price bucket digit, category, a
/// `facet_separator` byte, brand. One value read per match instead of
/// three halves the cost of exact counts over large result sets.
inline constexpr unsigned slot_facets = 4;

/// ASCII's unit separator: category and brand are free text, and a
/// separator a keyboard cannot type keeps them apart.
inline constexpr char facet_separator = '\x1f';

/// Xapian's convention for the unique id term, replaced on each change.
inline constexpr std::string_view id_term_prefix = "Q";
inline constexpr std::string_view category_term_prefix = "XC";
inline constexpr std::string_view brand_term_prefix = "XB";
/// Held by every document with a variant in stock.
inline constexpr std::string_view in_stock_term = "XS";

/// Both the index and queries stem English, or a stemmed query word would
/// miss the terms it should meet.
inline constexpr const char* stemmer_language = "english";

/// How much more a word counts in each field than in the description:
/// a title match ranks above a brand or category match, and those above a
/// mention in the text.
inline constexpr unsigned title_weight = 3;
inline constexpr unsigned brand_weight = 2;
inline constexpr unsigned category_weight = 2;

/// Xapian's terms are at most 245 bytes; filter terms are cut well below.
inline constexpr size_t filter_term_size_max = 200;

/// A hit's rating keeps two decimals, as the catalog shows it.
inline constexpr double rating_scale = 100.0;

std::string lower(std::string_view text);
/// Lower-cased runs of letters and digits: what the spelling dictionary
/// learns from a product's title, brand and category.
std::vector<std::string> words(std::string_view text);

std::string id_term(std::string_view product_id);
/// A boolean term for an exact, case-blind category or brand filter.
std::string filter_term(std::string_view prefix, std::string_view value);

size_t price_bucket_of(int64_t price_cents);
std::string facet_value(const std::string& category, const std::string& brand,
                        size_t price_bucket);
/// The parts of a facet value, viewing into it.
struct facet_parts {
  size_t price_bucket = 0;
  std::string_view category;
  std::string_view brand;
};
/// nullopt for a value facet_value did not make.
std::optional<facet_parts> read_facet_value(std::string_view value);

/// Popularity changes the index only when it moves to another power of two.
int popularity_band(int64_t sold);

/// What the popularity and recency boost is computed from.
struct boost_inputs {
  uint64_t popularity_band = 0;
  int64_t listed_at_us = 0;
};
/// Two big-endian 64-bit words: the band, then the listing time.
inline constexpr size_t boost_value_size = 16;
std::string boost_value(int64_t sold, int64_t listed_at_us);
/// nullopt for a value boost_value did not make. Inline: the bare-Xapian
/// peer decodes one per match.
inline std::optional<boost_inputs> read_boost_value(std::string_view value) {
  if (value.size() != boost_value_size)
    return std::nullopt;
  constexpr size_t word_size = boost_value_size / 2;
  return boost_inputs{
      read_big_endian(value.substr(0, word_size)),
      static_cast<int64_t>(read_big_endian(value.substr(word_size)))};
}

/// Xapian reports every failure by throwing; callers get it as a value.
failure xapian_failure(const Xapian::Error& error);

} // namespace tillroll::search_schema
