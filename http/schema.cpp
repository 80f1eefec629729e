#include "http/schema.hpp"

#include <map>
#include <optional>

namespace tillroll {

namespace json = boost::json;

enum class kind {
  text,
  integer,
  number,
  boolean,
  list,
  object,
  map,
  any,
  any_of
};

struct schema::node {
  enum kind kind = kind::any;
  size_t size_min = 0;
  size_t size_max = std::numeric_limits<size_t>::max();
  int64_t low = std::numeric_limits<int64_t>::min();
  int64_t high = std::numeric_limits<int64_t>::max();
  std::vector<property> properties;
  /// Items of a list, values of a map.
  std::shared_ptr<const node> element;
  std::vector<std::string> choices;
  std::vector<schema> alternatives;
  std::string name;
  bool nullable = false;
  std::string format;
  std::string regex;
  bool (*holds)(std::string_view) = nullptr;
  std::string rule;
  std::string description;
  std::optional<json::value> example;
};

namespace {

using node_ptr = std::shared_ptr<const schema::node>;

failure invalid(std::string message) {
  return failure{errc::invalid_argument, std::move(message), false};
}

std::string field_name(std::string_view where) {
  return where.empty() ? std::string{"the body"} : std::string{where};
}

std::string child(std::string_view where, std::string_view name) {
  if (where.empty())
    return std::string{name};
  return std::string{where} + "." + std::string{name};
}

std::string words(const std::vector<std::string>& names) {
  std::string list;
  for (size_t index = 0; index < names.size(); ++index) {
    if (index > 0)
      list += index + 1 == names.size() ? " or " : ", ";
    list += names[index];
  }
  return list;
}

expected<void> check_node(const schema::node& shape, const json::value& value,
                          std::string_view where);

expected<void> check_text(const schema::node& shape, const json::value& value,
                          std::string_view where) {
  if (!value.is_string())
    return invalid(field_name(where) + " must be a string");
  std::string_view text = value.as_string();
  if (!shape.choices.empty()) {
    for (auto& name : shape.choices)
      if (text == name)
        return {};
    // A long list (the currencies) is named by what it is, not spelled out.
    if (shape.choices.size() > 12)
      return invalid(field_name(where) + " must be " +
                     (shape.description.empty() ? std::string{"a known value"}
                                                : shape.description));
    return invalid(field_name(where) + " must be " + words(shape.choices));
  }
  if (text.size() < shape.size_min || text.size() > shape.size_max) {
    if (shape.size_min == 0)
      return invalid(field_name(where) + " is longer than " +
                     std::to_string(shape.size_max) + " bytes");
    return invalid(field_name(where) + " must be " +
                   std::to_string(shape.size_min) + " to " +
                   std::to_string(shape.size_max) + " bytes");
  }
  if (shape.holds != nullptr && !shape.holds(text))
    return invalid(field_name(where) + " must be " + shape.rule);
  return {};
}

expected<void> check_integer(const schema::node& shape,
                             const json::value& value, std::string_view where) {
  if (value.is_double())
    return invalid(field_name(where) +
                   " must be an integer, written without a fraction or an "
                   "exponent");
  auto number = json_integer(value);
  if (!number && !value.is_uint64())
    return invalid(field_name(where) + " must be an integer");
  if (!number || *number < shape.low || *number > shape.high)
    return invalid(field_name(where) + " must be between " +
                   std::to_string(shape.low) + " and " +
                   std::to_string(shape.high));
  return {};
}

expected<void> check_list(const schema::node& shape, const json::value& value,
                          std::string_view where) {
  if (!value.is_array())
    return invalid(field_name(where) + " must be a list");
  auto& items = value.as_array();
  if (items.size() < shape.size_min || items.size() > shape.size_max)
    return invalid(field_name(where) + " must hold " +
                   std::to_string(shape.size_min) + " to " +
                   std::to_string(shape.size_max) + " items");
  for (size_t index = 0; index < items.size(); ++index)
    if (auto fits =
            check_node(*shape.element, items[index],
                       std::string{where} + "[" + std::to_string(index) + "]");
        !fits)
      return fits;
  return {};
}

expected<void> check_object(const schema::node& shape, const json::value& value,
                            std::string_view where) {
  if (!value.is_object())
    return invalid(field_name(where) + " must be an object");
  auto& object = value.as_object();
  // Fields the server owns (ids, owners, prices in a cart, status, totals)
  // are never taken: an unknown field is refused, not ignored.
  for (auto& [key, field] : object) {
    bool known = false;
    for (auto& entry : shape.properties)
      known = known || key == entry.name;
    if (!known)
      return invalid("unknown or server-owned field: " + child(where, key));
  }
  for (auto& entry : shape.properties) {
    // A null is a value: only a nullable field takes it (then it reads as
    // absent), so a PATCH cannot blank a field by sending null.
    auto* field = object.if_contains(entry.name);
    if (field == nullptr) {
      if (entry.required)
        return invalid(child(where, entry.name) + " is required");
      continue;
    }
    if (auto fits = entry.type.check(*field, child(where, entry.name)); !fits)
      return fits;
  }
  return {};
}

expected<void> check_map(const schema::node& shape, const json::value& value,
                         std::string_view where) {
  if (!value.is_object())
    return invalid(field_name(where) + " must be an object");
  auto& object = value.as_object();
  if (object.size() > shape.size_max)
    return invalid(field_name(where) + " has more than " +
                   std::to_string(shape.size_max) + " entries");
  for (auto& [key, field] : object)
    if (auto fits = check_node(*shape.element, field, child(where, key)); !fits)
      return fits;
  return {};
}

expected<void> check_node(const schema::node& shape, const json::value& value,
                          std::string_view where) {
  if (value.is_null()) {
    if (shape.nullable)
      return {};
    return invalid(field_name(where) + " must not be null");
  }
  switch (shape.kind) {
  case kind::text:
    return check_text(shape, value, where);
  case kind::integer:
    return check_integer(shape, value, where);
  case kind::number:
    if (!value.is_number())
      return invalid(field_name(where) + " must be a number");
    return {};
  case kind::boolean:
    if (!value.is_bool())
      return invalid(field_name(where) + " must be true or false");
    return {};
  case kind::list:
    return check_list(shape, value, where);
  case kind::object:
    return check_object(shape, value, where);
  case kind::map:
    return check_map(shape, value, where);
  case kind::any:
    if (!value.is_object())
      return invalid(field_name(where) + " must be an object");
    return {};
  case kind::any_of:
    for (auto& alternative : shape.alternatives)
      if (alternative.check(value, where))
        return {};
    return invalid(field_name(where) + " fits none of its forms");
  }
  return {};
}

const char* type_name(kind of) {
  switch (of) {
  case kind::text:
    return "string";
  case kind::integer:
    return "integer";
  case kind::number:
    return "number";
  case kind::boolean:
    return "boolean";
  case kind::list:
    return "array";
  case kind::object:
  case kind::map:
  case kind::any:
  case kind::any_of:
    return "object";
  }
  return "object";
}

json::object document_of(const schema::node& shape, json::object& components);

void document_limits(const schema::node& shape, json::object& out) {
  constexpr auto unbounded = std::numeric_limits<size_t>::max();
  if (shape.kind == kind::text) {
    if (shape.size_min > 0)
      out["minLength"] = shape.size_min;
    if (shape.size_max != unbounded)
      out["maxLength"] = shape.size_max;
  }
  if (shape.kind == kind::integer) {
    if (shape.low != std::numeric_limits<int64_t>::min())
      out["minimum"] = shape.low;
    if (shape.high != std::numeric_limits<int64_t>::max())
      out["maximum"] = shape.high;
  }
  if (shape.kind == kind::list) {
    if (shape.size_min > 0)
      out["minItems"] = shape.size_min;
    if (shape.size_max != unbounded)
      out["maxItems"] = shape.size_max;
  }
  if (shape.kind == kind::map && shape.size_max != unbounded)
    out["maxProperties"] = shape.size_max;
}

void document_members(const schema::node& shape, json::object& out,
                      json::object& components) {
  if (shape.kind == kind::list)
    out["items"] = document_of(*shape.element, components);
  if (shape.kind == kind::map)
    out["additionalProperties"] = document_of(*shape.element, components);
  if (shape.kind == kind::any)
    out["additionalProperties"] = true;
  if (shape.kind != kind::object)
    return;
  json::object properties;
  json::array required;
  for (auto& entry : shape.properties) {
    properties[entry.name] = entry.type.document(components);
    if (entry.required)
      required.emplace_back(entry.name);
  }
  out["properties"] = std::move(properties);
  if (!required.empty())
    out["required"] = std::move(required);
  out["additionalProperties"] = false;
}

json::object document_of(const schema::node& shape, json::object& components) {
  json::object out;
  if (!shape.name.empty()) {
    if (!components.contains(shape.name)) {
      // Reserve the name first: a schema that refers to itself ends.
      components[shape.name] = json::object{};
      auto unnamed = shape;
      unnamed.name.clear();
      unnamed.nullable = false;
      components[shape.name] = document_of(unnamed, components);
    }
    auto reference =
        json::object{{"$ref", "#/components/schemas/" + shape.name}};
    if (!shape.nullable)
      return reference;
    return json::object{{"nullable", true},
                        {"allOf", json::array{std::move(reference)}}};
  }
  if (shape.kind == kind::any_of) {
    json::array alternatives;
    for (auto& alternative : shape.alternatives)
      alternatives.push_back(alternative.document(components));
    out["anyOf"] = std::move(alternatives);
  } else {
    out["type"] = type_name(shape.kind);
  }
  if (shape.nullable)
    out["nullable"] = true;
  if (!shape.description.empty())
    out["description"] = shape.description;
  if (!shape.format.empty())
    out["format"] = shape.format;
  if (!shape.regex.empty())
    out["pattern"] = shape.regex;
  if (!shape.choices.empty()) {
    json::array names;
    for (auto& name : shape.choices)
      names.emplace_back(name);
    out["enum"] = std::move(names);
  }
  document_limits(shape, out);
  document_members(shape, out, components);
  if (shape.example)
    out["example"] = *shape.example;
  return out;
}

schema::node with_kind(enum kind of) {
  schema::node shape;
  shape.kind = of;
  return shape;
}

} // namespace

std::optional<int64_t> json_integer(const json::value& value) {
  if (value.is_int64())
    return value.as_int64();
  if (value.is_uint64() && value.as_uint64() <= INT64_MAX)
    return static_cast<int64_t>(value.as_uint64());
  return std::nullopt;
}

schema::schema(std::shared_ptr<const node> shape) : node_(std::move(shape)) {}

schema schema::text(size_t size_max, size_t size_min) {
  auto shape = with_kind(kind::text);
  shape.size_max = size_max;
  shape.size_min = size_min;
  return schema{std::make_shared<const node>(std::move(shape))};
}

schema schema::integer(int64_t low, int64_t high) {
  auto shape = with_kind(kind::integer);
  shape.low = low;
  shape.high = high;
  return schema{std::make_shared<const node>(std::move(shape))};
}

schema schema::number() {
  return schema{std::make_shared<const node>(with_kind(kind::number))};
}

schema schema::boolean() {
  return schema{std::make_shared<const node>(with_kind(kind::boolean))};
}

schema schema::list(schema items, size_t size_max, size_t size_min) {
  auto shape = with_kind(kind::list);
  shape.element = std::move(items.node_);
  shape.size_max = size_max;
  shape.size_min = size_min;
  return schema{std::make_shared<const node>(std::move(shape))};
}

schema schema::object(std::vector<property> properties) {
  auto shape = with_kind(kind::object);
  shape.properties = std::move(properties);
  return schema{std::make_shared<const node>(std::move(shape))};
}

schema schema::map(schema values, size_t size_max) {
  auto shape = with_kind(kind::map);
  shape.element = std::move(values.node_);
  shape.size_max = size_max;
  return schema{std::make_shared<const node>(std::move(shape))};
}

schema schema::any_object() {
  return schema{std::make_shared<const node>(with_kind(kind::any))};
}

schema schema::any_of(std::vector<schema> alternatives) {
  auto shape = with_kind(kind::any_of);
  shape.alternatives = std::move(alternatives);
  return schema{std::make_shared<const node>(std::move(shape))};
}

schema schema::choice(std::vector<std::string> names) {
  auto shape = with_kind(kind::text);
  shape.choices = std::move(names);
  return schema{std::make_shared<const node>(std::move(shape))};
}

schema schema::named(std::string name, schema definition) {
  auto shape = *definition.node_;
  shape.name = std::move(name);
  return schema{std::make_shared<const node>(std::move(shape))};
}

schema schema::nullable() const {
  auto shape = *node_;
  shape.nullable = true;
  return schema{std::make_shared<const node>(std::move(shape))};
}

schema schema::format(std::string name) const {
  auto shape = *node_;
  shape.format = std::move(name);
  return schema{std::make_shared<const node>(std::move(shape))};
}

schema schema::pattern(std::string regex, bool (*holds)(std::string_view),
                       std::string rule) const {
  auto shape = *node_;
  shape.regex = std::move(regex);
  shape.holds = holds;
  shape.rule = std::move(rule);
  return schema{std::make_shared<const node>(std::move(shape))};
}

schema schema::about(std::string description) const {
  auto shape = *node_;
  shape.description = std::move(description);
  return schema{std::make_shared<const node>(std::move(shape))};
}

schema schema::example(json::value value) const {
  auto shape = *node_;
  shape.example = std::move(value);
  return schema{std::make_shared<const node>(std::move(shape))};
}

expected<void> schema::check(const json::value& value,
                             std::string_view where) const {
  return check_node(*node_, value, where);
}

json::value schema::document(json::object& components) const {
  return document_of(*node_, components);
}

} // namespace tillroll
