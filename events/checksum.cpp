#include "events/checksum.hpp"

#include <array>
#include <cstring>

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

#if defined(__x86_64__)
// SSE4.2's crc32 instruction computes CRC-32C 8 bytes at a time; replay
// checks every record, so this is on the hot path.
__attribute__((target("sse4.2"))) uint32_t
crc32c_sse42(std::string_view bytes) noexcept {
  uint64_t value = 0xFFFFFFFFu;
  auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t size = bytes.size();
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    value = __builtin_ia32_crc32di(value, word);
    data += 8;
    size -= 8;
  }
  auto narrow = static_cast<uint32_t>(value);
  while (size-- > 0)
    narrow = __builtin_ia32_crc32qi(narrow, *data++);
  return narrow ^ 0xFFFFFFFFu;
}
#endif

} // namespace

uint32_t crc32c_portable(std::string_view bytes) noexcept {
  uint32_t value = 0xFFFFFFFFu;
  for (unsigned char byte : bytes)
    value = table[(value ^ byte) & 0xFFu] ^ (value >> 8);
  return value ^ 0xFFFFFFFFu;
}

uint32_t crc32c(std::string_view bytes) noexcept {
#if defined(__x86_64__)
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  if (hardware)
    return crc32c_sse42(bytes);
#endif
  return crc32c_portable(bytes);
}

} // namespace tillroll
