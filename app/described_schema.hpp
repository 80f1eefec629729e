// The schema of a described struct as Boost.JSON renders it
// (events/described_json.hpp): from the same BOOST_DESCRIBE_STRUCT list,
// so the admin API's description of an event or a state cannot drift from
// its fields. A member of a type Boost.JSON renders some other way fails
// to compile here rather than being described wrong.
#pragma once

#include "events/described_json.hpp"
#include "http/schema.hpp"

#include <boost/describe/enum.hpp>
#include <boost/describe/enumerators.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace tillroll {

namespace detail {

template <class T> struct optional_of : std::false_type {};
template <class T> struct optional_of<std::optional<T>> : std::true_type {
  using type = T;
};
template <class T> struct list_of : std::false_type {};
template <class T, class A> struct list_of<std::vector<T, A>> : std::true_type {
  using type = T;
};
template <class T, class C, class A>
struct list_of<std::set<T, C, A>> : std::true_type {
  using type = T;
};
template <class T, class A> struct list_of<std::deque<T, A>> : std::true_type {
  using type = T;
};
template <class T> struct map_of : std::false_type {};
template <class V, class C, class A>
struct map_of<std::map<std::string, V, C, A>> : std::true_type {
  using type = V;
};

template <class T> inline constexpr bool unsupported = false;

} // namespace detail

template <class T> schema described_schema();

/// The schema of one value of type `T` as value_from renders it.
template <class T> schema schema_of() {
  if constexpr (std::is_same_v<T, bool>) {
    return schema::boolean();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return schema::text();
  } else if constexpr (std::is_integral_v<T>) {
    return schema::integer();
  } else if constexpr (std::is_floating_point_v<T>) {
    return schema::number();
  } else if constexpr (boost::describe::has_describe_enumerators<T>::value) {
    std::vector<std::string> names;
    boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>(
        [&](auto enumerator) { names.emplace_back(enumerator.name); });
    return schema::choice(std::move(names));
  } else if constexpr (detail::optional_of<T>::value) {
    return schema_of<typename detail::optional_of<T>::type>().nullable();
  } else if constexpr (detail::list_of<T>::value) {
    return schema::list(schema_of<typename detail::list_of<T>::type>());
  } else if constexpr (detail::map_of<T>::value) {
    return schema::map(schema_of<typename detail::map_of<T>::type>());
  } else if constexpr (described_struct<T>) {
    return described_schema<T>();
  } else {
    static_assert(detail::unsupported<T>,
                  "no schema for a member of this type: add it above");
  }
}

/// Every described public member but the secret ones, each required:
/// value_from renders them all.
template <class T> std::vector<property> described_properties() {
  std::vector<property> properties;
  boost::mp11::mp_for_each<
      boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto member) {
        using member_type =
            std::remove_cvref_t<decltype(std::declval<T&>().*member.pointer)>;
        if (!secret_field(member.name))
          properties.push_back(required(member.name, schema_of<member_type>()));
      });
  return properties;
}

template <class T> schema described_schema() {
  return schema::object(described_properties<T>());
}

/// Each alternative of an event variant as the replay renders it: its
/// fields, and its type name in `type`; named `<kind>.<type>`, as two
/// kinds may name an event alike.
template <class Variant>
std::vector<schema> event_schemas(std::string_view kind) {
  std::vector<schema> out;
  [&]<class... Events>(std::variant<Events...>*) {
    (
        [&] {
          auto properties = described_properties<Events>();
          properties.push_back(
              required("type", schema::choice({std::string{Events::name}})));
          out.push_back(
              schema::named(std::string{kind} + "." + std::string{Events::name},
                            schema::object(std::move(properties))));
        }(),
        ...);
  }(static_cast<Variant*>(nullptr));
  return out;
}

} // namespace tillroll
