// The cereal serialization of every event and event part, derived from its
// one field list: the BOOST_DESCRIBE_STRUCT beside its struct, which also
// gives replay and the admin API their JSON (app/describe.hpp).
#pragma once

#include <boost/describe/class.hpp>
#include <boost/describe/members.hpp>
#include <boost/describe/modifiers.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/pfr/core.hpp>

namespace tillroll {

template <class T>
concept described_struct = boost::describe::has_describe_members<T>::value;

/// A type that archives itself, such as a state whose described list is
/// only what the admin API shows and whose snapshot keeps more.
template <class T, class Archive>
concept serializes_itself = requires(T& value, Archive& archive) {
  value.serialize(archive);
};

/// Archives the described members in the order of the list: that order is
/// the payload's layout, so reordering the list is a format change.
template <class Archive, described_struct T>
  requires(!serializes_itself<T, Archive>)
void serialize(Archive& archive, T& value) {
  using members =
      boost::describe::describe_members<T, boost::describe::mod_public>;
  // A field missing from the list would be dropped from every payload
  // without a word, and lost from the log.
  static_assert(boost::mp11::mp_size<members>::value ==
                    boost::pfr::tuple_size_v<T>,
                "the BOOST_DESCRIBE_STRUCT list must name every field");
  boost::mp11::mp_for_each<members>(
      [&](auto member) { archive(value.*member.pointer); });
}

} // namespace tillroll
