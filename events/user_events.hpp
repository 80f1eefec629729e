// Every event of an account's stream (`user-<id>`). Type ids 600-699
// belong to users. The password is only ever stored as an argon2id hash.
#pragma once

#include "events/described.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace tillroll {

struct user_registered {
  static constexpr uint32_t type_id = 600;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "user_registered";
  std::string email;
  /// libsodium's crypto_pwhash_str output (argon2id, salted).
  std::string password_hash;
  /// buyer or seller; the admin is configured, never registered.
  std::string role;
  int64_t at_us = 0;
};
BOOST_DESCRIBE_STRUCT(user_registered, (), (email, password_hash, role, at_us))

using user_event = std::variant<user_registered>;

} // namespace tillroll
