#include "actors/user/user_state.hpp"

#include <cassert>

namespace tillroll {

expected<std::vector<user_event>>
decide(const user_state& state, const user_command& command, timestamp now) {
  using events = std::vector<user_event>;
  if (std::holds_alternative<get_user>(command)) {
    if (!state.registered)
      return make_failure(errc::not_found, "no such user");
    return events{};
  }
  auto& registration = std::get<register_user>(command);
  if (state.registered)
    return make_failure(errc::conflict, "the email is taken");
  if (registration.email.empty() ||
      registration.email.size() > email_size_max ||
      registration.email.find('@') == std::string::npos)
    return make_failure(errc::invalid_argument, "email is not an address");
  if (registration.role != "buyer" && registration.role != "seller")
    return make_failure(errc::invalid_argument, "role must be buyer or seller");
  if (registration.password_hash.empty())
    return make_failure(errc::invalid_argument, "a password hash is required");
  return events{user_registered{registration.email, registration.password_hash,
                                registration.role,
                                now.time_since_epoch().count()}};
}

void apply_event(user_state& state, const user_event& event) {
  auto& registered = std::get<user_registered>(event);
  assert(!state.registered);
  state.registered = true;
  state.email = registered.email;
  state.password_hash = registered.password_hash;
  state.role = registered.role;
  state.registered_at_us = registered.at_us;
}

} // namespace tillroll
