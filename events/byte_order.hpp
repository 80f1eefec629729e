// Fixed-width integer encoding for records and keys. Keys are big-endian so
// that RocksDB's bytewise order is numeric order; record fields are
// little-endian, fixed by this file and not by the host.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tillroll {

inline void append_big_endian(std::string& out, uint64_t value) {
  char bytes[8];
  for (int index = 7; index >= 0; --index) {
    bytes[index] = static_cast<char>(value & 0xFFu);
    value >>= 8;
  }
  out.append(bytes, 8);
}

inline uint64_t read_big_endian(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t index = 0; index < 8; ++index)
    value = (value << 8) | static_cast<unsigned char>(bytes[index]);
  return value;
}

template <class Integer>
void append_little_endian(std::string& out, Integer value) {
  auto bits = static_cast<std::make_unsigned_t<Integer>>(value);
  for (size_t index = 0; index < sizeof(Integer); ++index) {
    out.push_back(static_cast<char>(bits & 0xFFu));
    bits = static_cast<decltype(bits)>(bits >> 4 >> 4);
  }
}

/// Reads fields front to back; any read past the end marks the reader bad
/// instead of touching memory, so truncated input is an error value.
class byte_reader {
public:
  explicit byte_reader(std::string_view bytes) : rest_(bytes) {}

  template <class Integer> Integer read_integer() {
    if (rest_.size() < sizeof(Integer)) {
      good_ = false;
      rest_ = {};
      return 0;
    }
    std::make_unsigned_t<Integer> bits = 0;
    for (size_t index = sizeof(Integer); index-- > 0;)
      bits = static_cast<decltype(bits)>(
          (bits << 4 << 4) | static_cast<unsigned char>(rest_[index]));
    rest_.remove_prefix(sizeof(Integer));
    return static_cast<Integer>(bits);
  }

  std::string_view read_bytes(size_t size) {
    if (rest_.size() < size) {
      good_ = false;
      rest_ = {};
      return {};
    }
    auto result = rest_.substr(0, size);
    rest_.remove_prefix(size);
    return result;
  }

  bool good() const noexcept { return good_; }
  bool at_end() const noexcept { return rest_.empty(); }

private:
  std::string_view rest_;
  bool good_ = true;
};

} // namespace tillroll
