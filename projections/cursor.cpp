#include "projections/cursor.hpp"

#include <string>

namespace tillroll {

namespace {

std::string hex_encode(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::optional<std::string> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0)
    return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < text.size(); i += 2) {
    int high = nibble(text[i]), low = nibble(text[i + 1]);
    if (high < 0 || low < 0)
      return std::nullopt;
    out += static_cast<char>(high * 16 + low);
  }
  return out;
}

} // namespace

std::string encode_cursor(int64_t key, std::string_view id) {
  return hex_encode(std::to_string(key) + ":" + std::string{id});
}

std::optional<std::pair<int64_t, std::string>>
decode_cursor(std::string_view cursor) {
  auto text = hex_decode(cursor);
  if (!text)
    return std::nullopt;
  auto colon = text->find(':');
  if (colon == std::string::npos || colon == 0 || colon > 20)
    return std::nullopt;
  int64_t key = 0;
  try {
    size_t used = 0;
    key = std::stoll(text->substr(0, colon), &used);
    if (used != colon)
      return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
  return std::pair{key, text->substr(colon + 1)};
}

expected<std::optional<sort_entry>> parse_cursor(std::string_view cursor) {
  if (cursor.empty())
    return std::optional<sort_entry>{};
  auto decoded = decode_cursor(cursor);
  if (!decoded)
    return make_failure(errc::invalid_argument, "cursor is malformed");
  return std::optional<sort_entry>{std::move(*decoded)};
}

} // namespace tillroll
