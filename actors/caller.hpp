// Who sends a command. Commands from outside carry their caller, and the
// decider that owns the state answers `forbidden` (Akka's `Rejected`): a
// rule about who may do what is written once, beside the state it guards,
// not in each HTTP route.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tillroll {

enum class role : uint8_t { buyer, seller, admin };

inline std::string_view role_name(role of) {
  switch (of) {
  case role::buyer:
    return "buyer";
  case role::seller:
    return "seller";
  case role::admin:
    return "admin";
  }
  return "buyer";
}

inline std::optional<role> role_named(std::string_view name) {
  for (auto candidate : {role::buyer, role::seller, role::admin})
    if (role_name(candidate) == name)
      return candidate;
  return std::nullopt;
}

struct caller {
  std::string user_id;
  tillroll::role role = role::buyer;

  bool is_admin() const { return role == role::admin; }
  /// This user, in this role.
  bool is(tillroll::role as, std::string_view id) const {
    return role == as && user_id == id;
  }
};

} // namespace tillroll
