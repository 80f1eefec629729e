#include "http/request_input.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace tillroll {

namespace json = boost::json;

namespace {

failure invalid(std::string message) {
  return failure{errc::invalid_argument, std::move(message), false};
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size(); ++at) {
    char c = text[at];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (at + 2 >= text.size())
        return std::nullopt;
      int high = hex_digit(text[at + 1]), low = hex_digit(text[at + 2]);
      if (high < 0 || low < 0)
        return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      at += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<int64_t> parse_integer(std::string_view text) {
  int64_t value = 0;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

bool same_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t at = 0; at < a.size(); ++at)
    if (std::tolower(static_cast<unsigned char>(a[at])) !=
        std::tolower(static_cast<unsigned char>(b[at])))
      return false;
  return true;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

failure unsupported(std::string message) {
  return failure{errc::unsupported_media_type, std::move(message), false};
}

} // namespace

std::string_view target_path(std::string_view target) {
  return target.substr(0, target.find('?'));
}

bool if_none_match_covers(std::string_view if_none_match,
                          std::string_view etag) {
  while (!if_none_match.empty()) {
    auto comma = if_none_match.find(',');
    auto each = if_none_match.substr(0, comma);
    while (!each.empty() && each.front() == ' ')
      each.remove_prefix(1);
    while (!each.empty() && each.back() == ' ')
      each.remove_suffix(1);
    if (each.starts_with("W/"))
      each.remove_prefix(2);
    if (each == "*" || each == etag)
      return true;
    if (comma == std::string_view::npos)
      break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

expected<query_map> query_parameters(std::string_view target) {
  query_map out;
  auto mark = target.find('?');
  if (mark == std::string_view::npos)
    return out;
  auto query = target.substr(mark + 1);
  while (!query.empty()) {
    auto end = query.find('&');
    auto pair = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view{}
                                          : query.substr(end + 1);
    if (pair.empty())
      continue;
    auto equals = pair.find('=');
    auto key = percent_decode(pair.substr(0, equals));
    auto value = percent_decode(equals == std::string_view::npos
                                    ? std::string_view{}
                                    : pair.substr(equals + 1));
    if (!key || !value || !is_valid_utf8(*key) || !is_valid_utf8(*value))
      return invalid("the query string is not properly encoded: "
                     "percent-encoded UTF-8");
    if (!out.emplace(std::move(*key), std::move(*value)).second)
      return invalid("a query parameter is given twice");
  }
  return out;
}

expected<void> check_json_media_type(std::string_view type) {
  auto end = type.find(';');
  if (!same_ascii(trimmed(type.substr(0, end)), "application/json"))
    return unsupported("send the body as application/json");
  // Parameters: JSON is UTF-8 (RFC 8259), so a charset must say so; others
  // mean nothing for JSON and are let be.
  while (end != std::string_view::npos) {
    type.remove_prefix(end + 1);
    end = type.find(';');
    auto parameter = type.substr(0, end);
    auto equals = parameter.find('=');
    if (!same_ascii(trimmed(parameter.substr(0, equals)), "charset"))
      continue;
    auto value = equals == std::string_view::npos
                     ? std::string_view{}
                     : trimmed(parameter.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (!same_ascii(value, "utf-8"))
      return unsupported("a JSON body is UTF-8: charset=utf-8 or none");
  }
  return {};
}

expected<void> check_identity_encoding(std::string_view coding) {
  // A list of codings in the order applied; only identity reads as is.
  while (!coding.empty()) {
    auto end = coding.find(',');
    auto one = trimmed(coding.substr(0, end));
    if (!one.empty() && !same_ascii(one, "identity"))
      return unsupported("a Content-Encoding other than identity is not "
                         "taken; send the body unencoded");
    coding = end == std::string_view::npos ? std::string_view{}
                                           : coding.substr(end + 1);
  }
  return {};
}

expected<json::object> json_body(const http_request& request) {
  // Two of either would let a proxy and this server read different bodies.
  for (std::string_view name : {"Content-Type", "Content-Encoding"})
    if (request.header_count(name) > 1)
      return unsupported("send " + std::string{name} + " once");
  if (auto media = check_json_media_type(request.header("Content-Type"));
      !media)
    return std::move(media).error();
  if (auto coding = check_identity_encoding(request.header("Content-Encoding"));
      !coding)
    return std::move(coding).error();
  json::error_code error;
  json::parse_options options;
  options.max_depth = 16;
  auto parsed = json::parse(request.body, error, {}, options);
  if (error)
    return invalid("the body is not valid JSON: " + error.message());
  if (!parsed.is_object())
    return invalid("the body must be a JSON object");
  return std::move(parsed.as_object());
}

bool is_sku_id(std::string_view sku) {
  auto allowed = [](unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  };
  return !sku.empty() && sku.size() <= sku_id_size_max &&
         std::all_of(sku.begin(), sku.end(), allowed);
}

expected<void> check_sku_id(std::string_view sku, std::string_view field) {
  if (!is_sku_id(sku))
    return invalid(std::string{field} + " must be 1 to " +
                   std::to_string(sku_id_size_max) +
                   " characters of A-Z, a-z, 0-9, '.', '_' and '-'");
  return {};
}

std::string text_of(const json::object& body, std::string_view name) {
  auto* value = body.if_contains(name);
  if (value == nullptr || !value->is_string())
    return {};
  return std::string{value->as_string()};
}

std::optional<int64_t> integer_of(const json::object& body,
                                  std::string_view name) {
  auto* value = body.if_contains(name);
  if (value == nullptr || value->is_null())
    return std::nullopt;
  return json_integer(*value);
}

std::map<std::string, std::string> strings_of(const json::object& body,
                                              std::string_view name) {
  std::map<std::string, std::string> out;
  if (auto* value = body.if_contains(name); value && value->is_object())
    for (auto& [key, entry] : value->as_object())
      if (entry.is_string())
        out.emplace(std::string{key}, std::string{entry.as_string()});
  return out;
}

std::vector<std::string> texts_of(const json::object& body,
                                  std::string_view name) {
  std::vector<std::string> out;
  if (auto* value = body.if_contains(name); value && value->is_array())
    for (auto& item : value->as_array())
      if (item.is_string())
        out.emplace_back(item.as_string());
  return out;
}

const parameter& limit_query() {
  static const parameter spec = in_query(
      "limit", schema::integer(1, static_cast<int64_t>(list_limit_max))
                   .about("items per page; " +
                          std::to_string(list_limit_default) + " if left out"));
  return spec;
}

const parameter& cursor_query() {
  static const parameter spec =
      in_query("cursor", schema::text(cursor_size_max)
                             .about("the next_cursor of the page before"));
  return spec;
}

expected<std::optional<std::string>> text_parameter(const query_map& query,
                                                    const parameter& spec) {
  auto found = query.find(spec.name);
  if (found == query.end())
    return std::optional<std::string>{};
  if (auto fits = spec.type.check(json::value(found->second), spec.name); !fits)
    return std::move(fits).error();
  return std::optional<std::string>{found->second};
}

expected<std::optional<int64_t>> integer_parameter(const query_map& query,
                                                   const parameter& spec) {
  auto found = query.find(spec.name);
  if (found == query.end())
    return std::optional<int64_t>{};
  auto number = parse_integer(found->second);
  if (!number)
    return invalid(spec.name + " must be an integer");
  if (auto fits = spec.type.check(json::value(*number), spec.name); !fits)
    return std::move(fits).error();
  return std::optional<int64_t>{*number};
}

expected<size_t> limit_parameter(const query_map& query) {
  auto limit = integer_parameter(query, limit_query());
  if (!limit)
    return std::move(limit).error();
  return static_cast<size_t>(limit->value_or(list_limit_default));
}

expected<std::optional<bool>> bool_parameter(const query_map& query,
                                             const parameter& spec) {
  auto found = query.find(spec.name);
  if (found == query.end())
    return std::optional<bool>{};
  if (found->second == "true" || found->second == "1")
    return std::optional<bool>{true};
  if (found->second == "false" || found->second == "0")
    return std::optional<bool>{false};
  return invalid(spec.name + " must be true or false");
}

} // namespace tillroll
