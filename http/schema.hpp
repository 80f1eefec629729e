// The shape of a JSON value, written once: a request body is checked
// against it before any field is read, and /openapi.json prints it as a
// JSON Schema (the OpenAPI 3.0 dialect). So what the server refuses and
// what the spec says it refuses are the same definition; a response's
// schema sits beside the code that renders it and the contract test
// holds every answer to it.
#pragma once

#include "events/expected.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tillroll {

struct property;

class schema {
public:
  /// A string of `size_min` to `size_max` UTF-8 bytes.
  static schema text(size_t size_max = std::numeric_limits<size_t>::max(),
                     size_t size_min = 0);
  /// A JSON integer (no fraction, no exponent) in [low, high].
  static schema integer(int64_t low = std::numeric_limits<int64_t>::min(),
                        int64_t high = std::numeric_limits<int64_t>::max());
  static schema number();
  static schema boolean();
  static schema list(schema items,
                     size_t size_max = std::numeric_limits<size_t>::max(),
                     size_t size_min = 0);
  /// An object of exactly these properties: any other is refused.
  static schema object(std::vector<property> properties);
  /// An object of any keys, each value of `values`.
  static schema map(schema values,
                    size_t size_max = std::numeric_limits<size_t>::max());
  /// An object whose fields this schema does not name (an event's
  /// payload, which differs by its type).
  static schema any_object();
  /// A value that fits at least one of `alternatives` (an event of any
  /// type).
  static schema any_of(std::vector<schema> alternatives);
  /// One of these strings.
  static schema choice(std::vector<std::string> names);
  /// `definition`, printed once under components/schemas/`name` and
  /// referred to wherever it is used.
  static schema named(std::string name, schema definition);

  /// Also null. In a request, a null optional field reads as absent.
  [[nodiscard]] schema nullable() const;
  /// An OpenAPI format (date-time, email, uri): printed, not checked here.
  [[nodiscard]] schema format(std::string name) const;
  /// A pattern clients can check; `holds` is the same rule as code (the
  /// server checks with it, not with a regular expression engine) and
  /// `rule` says it in words for the refusal.
  [[nodiscard]] schema pattern(std::string regex,
                               bool (*holds)(std::string_view),
                               std::string rule) const;
  [[nodiscard]] schema about(std::string description) const;
  [[nodiscard]] schema example(boost::json::value value) const;

  /// Nothing when `value` fits; else the refusal (400), naming the field by its
  /// path from the body (`variants[2].price_cents`).
  [[nodiscard]] expected<void> check(const boost::json::value& value,
                                     std::string_view where = {}) const;
  /// The JSON Schema; named schemas are added to `components` once and
  /// referred to by $ref.
  boost::json::value document(boost::json::object& components) const;

  struct node;

private:
  explicit schema(std::shared_ptr<const node> shape);
  std::shared_ptr<const node> node_;
};

/// A JSON integer as int64: Boost.JSON keeps a number written without a
/// fraction or an exponent as an integer, and anything else as a double;
/// nullopt for a double or a uint64 past int64.
std::optional<int64_t> json_integer(const boost::json::value& value);

struct property {
  std::string name;
  schema type;
  bool required = false;
};

/// A property the body or the answer must have.
inline property required(std::string name, schema type) {
  return property{std::move(name), std::move(type), true};
}
/// A property it may leave out.
inline property optional(std::string name, schema type) {
  return property{std::move(name), std::move(type), false};
}

} // namespace tillroll
