// Any described struct (every event, the states the admin API shows) as a
// JSON object, from the same BOOST_DESCRIBE_STRUCT list its payload is
// archived by, for replay, the admin API and `tillroll events`. Header
// only, for the targets that link Boost.JSON.
#pragma once

#include "events/described.hpp"

#include <boost/json/value_from.hpp>

#include <string_view>

namespace tillroll {

/// A field that no rendering shows, in whatever struct it is: a password
/// hash is a secret even salted, and the admin API and replay output end
/// up in logs and tickets.
constexpr bool secret_field(std::string_view name) {
  return name == "password_hash";
}

/// Found by Boost.JSON before its own conversion of described structs,
/// which would render every field.
template <described_struct T>
void tag_invoke(boost::json::value_from_tag, boost::json::value& out,
                const T& value) {
  auto& object = out.emplace_object();
  boost::mp11::mp_for_each<
      boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto member) {
        if (!secret_field(member.name))
          object.emplace(member.name, boost::json::value_from(
                                          value.*member.pointer,
                                          object.storage()));
      });
}

} // namespace tillroll
