#include "events/checksum.hpp"

#include <array>

namespace tillroll {

namespace {

constexpr uint32_t castagnoli_polynomial = 0x82F63B78u;

constexpr std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t index = 0; index < 256; ++index) {
    uint32_t value = index;
    for (int bit = 0; bit < 8; ++bit)
      value = (value & 1u) ? (value >> 1) ^ castagnoli_polynomial : value >> 1;
    table[index] = value;
  }
  return table;
}

constexpr auto table = make_table();

} // namespace

uint32_t crc32c(std::string_view bytes) noexcept {
  uint32_t value = 0xFFFFFFFFu;
  for (unsigned char byte : bytes)
    value = table[(value ^ byte) & 0xFFu] ^ (value >> 8);
  return value ^ 0xFFFFFFFFu;
}

} // namespace tillroll
