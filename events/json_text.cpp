#include "events/json_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

namespace tillroll {

namespace json = boost::json;

namespace {

void write(std::string& out, const json::value& value);

/// Integers go through to_chars: every answer comes here, and
/// json::serialize would allocate a string for each.
template <class Integer> void write_integer(std::string& out, Integer number) {
  char text[24];
  auto written = std::to_chars(text, text + sizeof text, number);
  out.append(text, written.ptr);
}

void write(std::string& out, const json::object& object) {
  out += '{';
  bool first = true;
  for (auto& [key, member] : object) {
    if (!std::exchange(first, false))
      out += ',';
    out += json::serialize(key);
    out += ':';
    write(out, member);
  }
  out += '}';
}

void write(std::string& out, const json::array& array) {
  out += '[';
  bool first = true;
  for (auto& element : array) {
    if (!std::exchange(first, false))
      out += ',';
    write(out, element);
  }
  out += ']';
}

void write(std::string& out, const json::value& value) {
  switch (value.kind()) {
  case json::kind::object:
    return write(out, value.get_object());
  case json::kind::array:
    return write(out, value.get_array());
  case json::kind::int64:
    return write_integer(out, value.get_int64());
  case json::kind::uint64:
    return write_integer(out, value.get_uint64());
  case json::kind::bool_:
    out += value.get_bool() ? "true" : "false";
    return;
  case json::kind::null:
    out += "null";
    return;
  case json::kind::double_: {
    auto number = value.get_double();
    // JSON has no infinity or NaN: null, which a client can read.
    if (!std::isfinite(number)) {
      out += "null";
      return;
    }
    char text[32];
    auto written = std::to_chars(text, text + sizeof text, number);
    out.append(text, written.ptr);
    // A whole number keeps its point, so it reads back as a double.
    if (std::find_if(text, written.ptr, [](char c) {
          return c == '.' || c == 'e';
        }) == written.ptr)
      out += ".0";
    return;
  }
  case json::kind::string:
    out += json::serialize(value.get_string());
  }
}

} // namespace

bool same_json_text(std::string_view a, std::string_view b) {
  if (a == b)
    return true;
  boost::system::error_code failed;
  auto first = json::parse(a, failed);
  if (failed)
    return false;
  auto second = json::parse(b, failed);
  return !failed && first == second;
}

std::string json_text(const json::value& value) {
  std::string out;
  write(out, value);
  return out;
}

std::string json_text(const json::object& object) {
  std::string out;
  write(out, object);
  return out;
}

std::string json_text(const json::array& array) {
  std::string out;
  write(out, array);
  return out;
}

} // namespace tillroll
