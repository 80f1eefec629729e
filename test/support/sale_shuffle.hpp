// Recomputing a flash sale's shuffle as any client can, from what the sale
// publishes (the seed's commitment, then the seed): SHA-256 and hex with
// libsodium directly, not with the product's code.
#pragma once

#include <doctest/doctest.h>

#include <sodium.h>
#include <string>

namespace tillroll::test {

inline std::string hex_sha256(const std::string& bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest,
                     reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

inline std::string bytes_of_hex(const std::string& hex) {
  std::string out(hex.size() / 2, '\0');
  size_t size = 0;
  REQUIRE(sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()),
                         out.size(), hex.data(), hex.size(), nullptr, &size,
                         nullptr) == 0);
  return out;
}

} // namespace tillroll::test
