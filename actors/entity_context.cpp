#include "actors/entity_context.hpp"

#include "events/byte_order.hpp"

#include <algorithm>

namespace tillroll {

std::string timer_key(std::string_view stream_id) {
  std::string key{timer_key_prefix};
  key.append(stream_id);
  return key;
}

std::string due_key(int64_t at_us, std::string_view stream_id) {
  std::string key{due_key_prefix};
  append_big_endian(key, static_cast<uint64_t>(std::max<int64_t>(at_us, 0)));
  key.append(stream_id);
  return key;
}

std::string resume_key(std::string_view stream_id) {
  std::string key{resume_key_prefix};
  key.append(stream_id);
  return key;
}

} // namespace tillroll
