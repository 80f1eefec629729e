// Fixed-width integer encoding for records and keys. Keys are big-endian so
// that RocksDB's bytewise order is numeric order; record fields are
// little-endian whatever the host: Boost.Endian's loads and stores, which
// compile to one move (and a byte swap where needed).
#pragma once

#include <boost/endian/conversion.hpp>

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>

namespace tillroll {

inline void append_big_endian(std::string& out, uint64_t value) {
  unsigned char bytes[8];
  boost::endian::store_big_u64(bytes, value);
  out.append(reinterpret_cast<const char*>(bytes), sizeof(bytes));
}

/// The first 8 bytes of `bytes`, which has at least 8.
inline uint64_t read_big_endian(std::string_view bytes) {
  assert(bytes.size() >= 8);
  return boost::endian::load_big_u64(
      reinterpret_cast<const unsigned char*>(bytes.data()));
}

template <class Integer>
void append_little_endian(std::string& out, Integer value) {
  unsigned char bytes[sizeof(Integer)];
  boost::endian::endian_store<Integer, sizeof(Integer),
                              boost::endian::order::little>(bytes, value);
  out.append(reinterpret_cast<const char*>(bytes), sizeof(bytes));
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
    auto value = boost::endian::endian_load<Integer, sizeof(Integer),
                                            boost::endian::order::little>(
        reinterpret_cast<const unsigned char*>(rest_.data()));
    rest_.remove_prefix(sizeof(Integer));
    return value;
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
