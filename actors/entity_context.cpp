#include "actors/entity_context.hpp"

namespace tillroll {

std::string timer_key(std::string_view stream_id) {
  std::string key{timer_key_prefix};
  key.append(stream_id);
  return key;
}

std::string resume_key(std::string_view stream_id) {
  std::string key{resume_key_prefix};
  key.append(stream_id);
  return key;
}

} // namespace tillroll
