// Reading what a client sent: the query string, a JSON body and its
// fields. Every refusal is an error value naming the field, so bad input
// becomes a 4xx and never a crash.
#pragma once

#include "events/expected.hpp"
#include "http/schema.hpp"
#include "http/server.hpp"
#include "projections/cursor.hpp"

#include <boost/json/object.hpp>

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tillroll {

/// A request's query parameters by name (transparent, for string_view
/// look-ups).
using query_map = std::map<std::string, std::string, std::less<>>;

/// Most elements of a list in a body (images, variants, attributes).
inline constexpr size_t body_list_size_max = 100;
/// A SKU id is 1 to `sku_id_size_max` bytes of `A-Z a-z 0-9 . _ -`: it is
/// a path segment (/v1/skus/{sku}, /v1/cart/items/{sku}) and part of a
/// stream name, so it must be addressable as it is, without encoding.
inline constexpr size_t sku_id_size_max = 128;

/// The path of a target, without its query.
std::string_view target_path(std::string_view target);

/// Whether an If-None-Match list names `etag` (or is "*"), by weak
/// comparison as RFC 9110 asks of If-None-Match.
bool if_none_match_covers(std::string_view if_none_match,
                          std::string_view etag);

/// Percent-decoded query parameters; refused (400) for malformed encoding,
/// a value that is not UTF-8 once decoded, or a name given twice (which
/// of two prices would be meant?).
[[nodiscard]] expected<query_map> query_parameters(std::string_view target);

/// The body as a JSON object: 415 unless the content type is
/// application/json (any case, with at most a utf-8 charset parameter)
/// and the body has no content coding but identity; 400 on malformed JSON
/// (invalid UTF-8 included) or a non-object.
[[nodiscard]] expected<boost::json::object>
json_body(const http_request& request);

/// Refuses a Content-Type other than JSON in UTF-8 (415).
[[nodiscard]] expected<void> check_json_media_type(std::string_view type);
/// Refuses a Content-Encoding other than identity (415): a gzip body is
/// not read as if it were plain.
[[nodiscard]] expected<void> check_identity_encoding(std::string_view coding);

/// Whether `sku` is 1 to `sku_id_size_max` bytes of the SKU alphabet.
bool is_sku_id(std::string_view sku);
/// Refuses a SKU id outside the alphabet (see `sku_id_size_max`), naming
/// `field`; the one check for every entry that takes a SKU id.
[[nodiscard]] expected<void> check_sku_id(std::string_view sku,
                                          std::string_view field = "sku");

// Reading a body its schema has checked: an absent or null field reads
// as empty (or nullopt), and no other refusal is left to make here.
std::string text_of(const boost::json::object& body, std::string_view name);
std::optional<int64_t> integer_of(const boost::json::object& body,
                                  std::string_view name);
std::map<std::string, std::string> strings_of(const boost::json::object& body,
                                              std::string_view name);
std::vector<std::string> texts_of(const boost::json::object& body,
                                  std::string_view name);

/// Most bytes of a list cursor.
inline constexpr size_t cursor_size_max = 1024;

/// Where a request carries a parameter.
enum class parameter_place { path, query, header };

/// A parameter of a route, as the handler reads it and /openapi.json
/// prints it: the handler's readers below take this very value.
struct parameter {
  parameter_place in = parameter_place::query;
  std::string name;
  schema type;
  bool required = false;
};

inline parameter in_query(std::string name, schema type) {
  return parameter{parameter_place::query, std::move(name), std::move(type)};
}
inline parameter in_header(std::string name, schema type,
                           bool required = false) {
  return parameter{parameter_place::header, std::move(name), std::move(type),
                   required};
}
inline parameter in_path(std::string name, schema type) {
  return parameter{parameter_place::path, std::move(name), std::move(type),
                   true};
}

/// `limit` (1 to `list_limit_max`, default `list_limit_default`) and
/// `cursor`, which every list takes.
const parameter& limit_query();
const parameter& cursor_query();

/// A query parameter's text (checked against its schema); nullopt if
/// absent.
[[nodiscard]] expected<std::optional<std::string>>
text_parameter(const query_map& query, const parameter& spec);
/// A query parameter as an integer in its schema's range; nullopt if
/// absent.
[[nodiscard]] expected<std::optional<int64_t>>
integer_parameter(const query_map& query, const parameter& spec);
/// `limit`: default `list_limit_default`, at most `list_limit_max`.
[[nodiscard]] expected<size_t> limit_parameter(const query_map& query);
/// true/false/1/0; nullopt if absent.
[[nodiscard]] expected<std::optional<bool>>
bool_parameter(const query_map& query, const parameter& spec);

/// One name of a choice parameter (a sort order, a status) and its value.
template <class Choice> struct named_choice {
  std::string_view name;
  Choice value;
};

/// The schema of a choice: one of the table's names.
template <class Choice, size_t size>
schema choice_schema(const named_choice<Choice> (&choices)[size]) {
  std::vector<std::string> names;
  for (auto& choice : choices)
    names.emplace_back(choice.name);
  return schema::choice(std::move(names));
}

/// A query parameter naming one of `choices`; nullopt if absent. The
/// refusal lists every name, so browse, search and the order list answer
/// a wrong choice alike.
template <class Choice, size_t size>
[[nodiscard]] expected<std::optional<Choice>>
choice_parameter(const query_map& query, const parameter& spec,
                 const named_choice<Choice> (&choices)[size]) {
  auto found = query.find(spec.name);
  if (found == query.end())
    return std::optional<Choice>{};
  if (auto fits = spec.type.check(boost::json::value(found->second), spec.name);
      !fits)
    return std::move(fits).error();
  for (auto& choice : choices)
    if (found->second == choice.name)
      return std::optional<Choice>{choice.value};
  return make_failure(errc::invalid_argument, spec.name + " is not known");
}

} // namespace tillroll
