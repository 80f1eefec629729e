#include "test/simulation/simulated_log.hpp"

namespace tillroll::simulation {

uint64_t simulated_log::sync(const std::string& stream_id) {
  auto found = streams_.find(stream_id);
  if (found == streams_.end())
    return 0;
  found->second.durable = found->second.records.size();
  return found->second.durable;
}

size_t simulated_log::crash(const std::string& stream_id, bool lose) {
  auto& stream = streams_.at(stream_id);
  auto lost = stream.records.size() - stream.durable;
  if (!lose || lost == 0) {
    stream.durable = stream.records.size();
    return 0;
  }
  stream.records.resize(stream.durable);
  ++stream.generation;
  return lost;
}

bool simulated_log::unsynced(const std::string& stream_id) const {
  auto found = streams_.find(stream_id);
  return found != streams_.end() &&
         found->second.durable < found->second.records.size();
}

size_t simulated_log::size(const std::string& stream_id) const {
  auto found = streams_.find(stream_id);
  return found == streams_.end() ? 0 : found->second.records.size();
}

uint64_t simulated_log::generation(const std::string& stream_id) const {
  auto found = streams_.find(stream_id);
  return found == streams_.end() ? 0 : found->second.generation;
}

} // namespace tillroll::simulation
