#include "http/auth.hpp"

#include <cctype>
#include <charconv>
#include <optional>
#include <sodium.h>
#include <stdexcept>

namespace tillroll {

namespace {

constexpr std::string_view token_version = "v1";

std::string base64url(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(
                      bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(),
                    reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::optional<std::string> from_base64url(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t size = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()),
                        out.size(), text.data(), text.size(), nullptr, &size,
                        nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return std::nullopt;
  out.resize(size);
  return out;
}

failure unauthorized(std::string message) {
  return failure{errc::unauthorized, std::move(message), false};
}

} // namespace

void initialize_crypto() {
  if (sodium_init() < 0)
    throw std::runtime_error{"libsodium cannot start"};
}

expected<std::string> hash_password(std::string_view password,
                                    password_cost cost) {
  char hash[crypto_pwhash_STRBYTES];
  auto minimum = cost == password_cost::minimum;
  if (crypto_pwhash_str(hash, password.data(), password.size(),
                        minimum ? crypto_pwhash_OPSLIMIT_MIN
                                : crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        minimum ? crypto_pwhash_MEMLIMIT_MIN
                                : crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return failure{errc::overloaded, "not enough memory to hash", true};
  return std::string{hash};
}

bool verify_password(std::string_view hash, std::string_view password) {
  std::string terminated{hash};
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(),
                                  password.size()) == 0;
}

bool same_secret(std::string_view a, std::string_view b) {
  // Hash both to a fixed size so the comparison leaks no length.
  unsigned char digest_a[crypto_generichash_BYTES];
  unsigned char digest_b[crypto_generichash_BYTES];
  crypto_generichash(digest_a, sizeof digest_a,
                     reinterpret_cast<const unsigned char*>(a.data()), a.size(),
                     nullptr, 0);
  crypto_generichash(digest_b, sizeof digest_b,
                     reinterpret_cast<const unsigned char*>(b.data()), b.size(),
                     nullptr, 0);
  return sodium_memcmp(digest_a, digest_b, sizeof digest_a) == 0;
}

std::string normalized_email(std::string_view email) {
  while (!email.empty() &&
         std::isspace(static_cast<unsigned char>(email.front())))
    email.remove_prefix(1);
  while (!email.empty() &&
         std::isspace(static_cast<unsigned char>(email.back())))
    email.remove_suffix(1);
  std::string out{email};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

namespace {

/// Tells the keyed derivation's input from any other use of the key.
constexpr std::string_view user_id_context = "tillroll user id v2\n";

std::string user_id_of_digest(const unsigned char (&digest)[16]) {
  return "u" + to_hex(digest, sizeof digest);
}

} // namespace

std::string user_id_for_email(std::string_view key, std::string_view email) {
  if (key.size() < crypto_generichash_KEYBYTES_MIN ||
      key.size() > crypto_generichash_KEYBYTES_MAX)
    throw std::invalid_argument{"a user id key has 16 to 64 bytes"};
  auto input = std::string{user_id_context} + normalized_email(email);
  unsigned char digest[16];
  crypto_generichash(
      digest, sizeof digest,
      reinterpret_cast<const unsigned char*>(input.data()), input.size(),
      reinterpret_cast<const unsigned char*>(key.data()), key.size());
  return user_id_of_digest(digest);
}

std::string legacy_user_id_for_email(std::string_view email) {
  auto normal = normalized_email(email);
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest,
                     reinterpret_cast<const unsigned char*>(normal.data()),
                     normal.size(), nullptr, 0);
  return user_id_of_digest(digest);
}

std::string random_id(std::string_view prefix) {
  unsigned char bytes[10];
  randombytes_buf(bytes, sizeof bytes);
  return std::string{prefix} + to_hex(bytes, sizeof bytes);
}

std::string random_hex32() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  return to_hex(bytes, sizeof bytes);
}

std::string random_token_key() {
  std::string key(crypto_auth_KEYBYTES, '\0');
  crypto_auth_keygen(reinterpret_cast<unsigned char*>(key.data()));
  return key;
}

std::string random_user_id_key() {
  std::string key(crypto_generichash_KEYBYTES, '\0');
  randombytes_buf(key.data(), key.size());
  return key;
}

std::string to_hex(const unsigned char* bytes, size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, size);
  out.pop_back();
  return out;
}

std::string to_hex(std::string_view bytes) {
  return to_hex(reinterpret_cast<const unsigned char*>(bytes.data()),
                bytes.size());
}

std::string derived_key(std::string_view secret, std::string_view purpose,
                        size_t size) {
  initialize_crypto();
  unsigned char secret_key[crypto_generichash_BYTES];
  crypto_generichash(secret_key, sizeof secret_key,
                     reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), nullptr, 0);
  std::string key(size, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(key.data()), key.size(),
                     reinterpret_cast<const unsigned char*>(purpose.data()),
                     purpose.size(), secret_key, sizeof secret_key);
  return key;
}

token_signer::token_signer(std::string key) : key_(std::move(key)) {
  if (key_.size() != crypto_auth_KEYBYTES)
    throw std::invalid_argument{"a token key has crypto_auth_KEYBYTES bytes"};
}

std::string token_signer::issue(const principal& who,
                                timestamp expires_at) const {
  auto payload = std::string{token_version} + "|" + who.user_id + "|" +
                 std::string{role_name(who.role)} + "|" +
                 std::to_string(expires_at.time_since_epoch().count());
  unsigned char mac[crypto_auth_BYTES];
  crypto_auth(mac, reinterpret_cast<const unsigned char*>(payload.data()),
              payload.size(),
              reinterpret_cast<const unsigned char*>(key_.data()));
  return base64url(payload) + "." +
         base64url({reinterpret_cast<const char*>(mac), sizeof mac});
}

expected<principal> token_signer::verify(std::string_view token,
                                         timestamp now) const {
  if (token.size() > 1024)
    return unauthorized("the token is malformed");
  auto dot = token.find('.');
  if (dot == std::string_view::npos)
    return unauthorized("the token is malformed");
  auto payload = from_base64url(token.substr(0, dot));
  auto mac = from_base64url(token.substr(dot + 1));
  if (!payload || !mac || mac->size() != crypto_auth_BYTES)
    return unauthorized("the token is malformed");
  if (crypto_auth_verify(
          reinterpret_cast<const unsigned char*>(mac->data()),
          reinterpret_cast<const unsigned char*>(payload->data()),
          payload->size(),
          reinterpret_cast<const unsigned char*>(key_.data())) != 0)
    return unauthorized("the token's signature is not ours");
  // v1|user|role|expiry
  std::string_view rest{*payload};
  auto next = [&rest] {
    auto bar = rest.find('|');
    auto part = rest.substr(0, bar);
    rest = bar == std::string_view::npos ? std::string_view{}
                                         : rest.substr(bar + 1);
    return part;
  };
  if (next() != token_version)
    return unauthorized("the token's version is unknown");
  std::string user_id{next()};
  auto role = role_named(next());
  if (user_id.empty() || !role)
    return unauthorized("the token is malformed");
  principal who{std::move(user_id), *role};
  auto expiry_text = next();
  int64_t expires_us = 0;
  std::from_chars(expiry_text.data(), expiry_text.data() + expiry_text.size(),
                  expires_us);
  if (now.time_since_epoch().count() >= expires_us)
    return unauthorized("the token has expired");
  return who;
}

} // namespace tillroll
