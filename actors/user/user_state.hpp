// An account as a decider. Its id is derived from the normalized email, so
// the one actor of that id is the single writer that keeps emails unique.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"
#include "events/user_events.hpp"

#include <boost/describe/class.hpp>

#include <string>
#include <variant>
#include <vector>

namespace tillroll {

inline constexpr size_t email_size_max = 254;

struct user_state {
  bool registered = false;
  std::string email;
  std::string password_hash;
  std::string role;
  int64_t registered_at_us = 0;
  template <class Archive> void serialize(Archive& archive) {
    archive(registered, email, password_hash, role, registered_at_us);
  }
};
/// What the admin API shows: the hash is no one's to read.
BOOST_DESCRIBE_STRUCT(user_state, (),
                      (registered, email, role, registered_at_us))

struct register_user {
  std::string email;
  std::string password_hash;
  std::string role;
};
struct get_user {};

using user_command = std::variant<register_user, get_user>;

struct user_view {
  std::string email;
  std::string role;
  std::string password_hash;
};

[[nodiscard]] expected<std::vector<user_event>>
decide(const user_state& state, const user_command& command, timestamp now);
void apply_event(user_state& state, const user_event& event);

struct user_entity {
  static constexpr std::string_view kind = "user";
  static constexpr uint16_t snapshot_version = 1;
  using state_type = user_state;
  using event_type = user_event;
  using command_type = user_command;
  using reply_type = user_view;

  static user_view reply(const user_state& state, const user_command&) {
    return user_view{state.email, state.role, state.password_hash};
  }
};

} // namespace tillroll
