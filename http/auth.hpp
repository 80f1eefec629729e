// Accounts' secrets: passwords stored only as argon2id hashes, and
// sessions as signed, expiring bearer tokens (libsodium's HMAC-SHA-512-256).
#pragma once

#include "actors/caller.hpp"
#include "events/envelope.hpp"
#include "events/expected.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace tillroll {

inline constexpr size_t password_size_min = 8;
inline constexpr size_t password_size_max = 128;

/// A signed-in caller; an empty `user_id` is no one (not signed in).
using principal = caller;

/// Makes libsodium ready; safe to call more than once.
void initialize_crypto();

/// How much an argon2id hash costs. `minimum` (libsodium's least memory
/// and passes) is for tests and load generators that sign up thousands of
/// buyers; a shop serves `interactive`. Verifying reads the cost from the
/// hash, so accounts hashed either way sign in under both.
enum class password_cost { interactive, minimum };

/// argon2id at `cost`: slow on purpose, so run it away from the io thread.
[[nodiscard]] expected<std::string>
hash_password(std::string_view password,
              password_cost cost = password_cost::interactive);
bool verify_password(std::string_view hash, std::string_view password);
/// Compares in constant time.
bool same_secret(std::string_view a, std::string_view b);

/// The account id of an email: stable, so the one actor of that id keeps
/// the email unique, and keyed with the node's `key` (random_user_id_key()
/// bytes), so an id, which is public (a product's `seller_id`), cannot be
/// checked against a guessed email by anyone without the key. Emails
/// compare case-insensitively. "u" and 32 hex digits.
std::string user_id_for_email(std::string_view key, std::string_view email);
/// The id the first releases gave an email: an unkeyed hash of it, which
/// confirms a guessed email offline. Accounts registered then keep it, so
/// sign-up and sign-in still look it up; no new account gets one.
std::string legacy_user_id_for_email(std::string_view email);
std::string normalized_email(std::string_view email);

/// A random id with a prefix, for products and the like.
std::string random_id(std::string_view prefix);
/// 32 random bytes (libsodium's CSPRNG) as 64 hex digits: a flash sale's
/// shuffle seed and ticket key.
std::string random_hex32();
/// Bytes as lowercase hex digits.
std::string to_hex(const unsigned char* bytes, size_t size);
std::string to_hex(std::string_view bytes);
/// A fresh signing key.
std::string random_token_key();
/// A fresh key for user_id_for_email.
std::string random_user_id_key();
/// `size` (16 to 64) bytes for `purpose` from a cluster's shared secret:
/// BLAKE2b keyed with BLAKE2b-256(secret), of the purpose's name. Every
/// member derives the same key; none is stored.
std::string derived_key(std::string_view secret, std::string_view purpose,
                        size_t size);

class token_signer {
public:
  /// `key`: the bytes of random_token_key().
  explicit token_signer(std::string key);

  std::string issue(const principal& who, timestamp expires_at) const;
  /// The principal of a valid, unexpired token; unauthorized otherwise.
  [[nodiscard]] expected<principal> verify(std::string_view token,
                                           timestamp now) const;

private:
  std::string key_;
};

} // namespace tillroll
