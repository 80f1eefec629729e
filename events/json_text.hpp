// JSON text as a client reads it. Boost.JSON writes every double in
// exponent form ("rating":4.5E0, "score":0E0): valid, but odd to read and
// unlike any other API. This writes a double as the shortest decimal that
// reads back the same, keeping a point in a whole one so that it reads
// back as a double (4.5, 0.0, 1e+300), and the rest as Boost.JSON does.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace tillroll {

std::string json_text(const boost::json::value& value);
std::string json_text(const boost::json::object& object);
std::string json_text(const boost::json::array& array);

/// Whether two JSON texts say the same: the same bytes, or values that
/// parse equal. Text stored before json_text wrote numbers as 5.252E1,
/// and a retried request writes 52.52.
bool same_json_text(std::string_view a, std::string_view b);

} // namespace tillroll
