// List cursors: opaque to clients, they carry the sort key and id of the
// last item of a page, so the next page starts after it even when items
// were added in between.
#pragma once

#include "events/expected.hpp"

#include <cstdint>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tillroll {

std::string encode_cursor(int64_t key, std::string_view id);
/// nullopt for anything encode_cursor did not make.
std::optional<std::pair<int64_t, std::string>>
decode_cursor(std::string_view cursor);

/// A page's length when the client names none.
inline constexpr size_t list_limit_default = 20;
/// Most items of one page of any list: browse, search, orders, ledger.
inline constexpr size_t list_limit_max = 100;

using sort_entry = std::pair<int64_t, std::string>;

/// One page of a list and where the next begins (nothing at the end).
template <class Item> struct list_page {
  std::vector<Item> items;
  std::optional<std::string> next_cursor;
};

/// A list's `cursor` parameter: nothing for an empty one (the first page),
/// invalid_argument for one encode_cursor did not make.
[[nodiscard]] expected<std::optional<sort_entry>>
parse_cursor(std::string_view cursor);

/// Walks `order` (ascending or descending) from after the cursor's entry,
/// emitting up to `limit` entries that `match`; the cursor of the next
/// page, or nullopt at the end.
template <class Match, class Emit>
std::optional<std::string> walk_page(const std::set<sort_entry>& order,
                                     bool descending,
                                     const std::optional<sort_entry>& after,
                                     size_t limit, Match match, Emit emit) {
  size_t emitted = 0;
  const sort_entry* last = nullptr;
  auto visit = [&](const sort_entry& entry) {
    if (!match(entry))
      return true;
    if (emitted == limit)
      return false;
    emit(entry);
    ++emitted;
    last = &entry;
    return true;
  };
  if (descending) {
    auto start = after ? order.lower_bound(*after) : order.end();
    for (auto at = std::make_reverse_iterator(start); at != order.rend(); ++at)
      if (!visit(*at))
        return encode_cursor(last->first, last->second);
  } else {
    auto start = after ? order.upper_bound(*after) : order.begin();
    for (auto at = start; at != order.end(); ++at)
      if (!visit(*at))
        return encode_cursor(last->first, last->second);
  }
  return std::nullopt;
}

} // namespace tillroll
