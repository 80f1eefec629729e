// The simulator's event log: per stream, the encoded records (the real
// envelope and payload codec, so a crash recovers through the same bytes a
// node reads back) and how many of them are durable. A crash keeps the
// durable prefix of a stream and loses the rest; a stream whose fsync
// raced the crash and won keeps everything.
#pragma once

#include "events/codec.hpp"
#include "events/envelope.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tillroll::simulation {

struct simulated_stream {
  std::vector<std::string> records;
  /// Records [0, durable) survive any crash.
  size_t durable = 0;
  /// Bumped whenever records are lost, so a reader knows to start over.
  uint64_t generation = 0;
};

class simulated_log {
public:
  /// Appends unsynced; returns the stream's last sequence (1-based).
  template <class Variant>
  uint64_t append(const std::string& stream_id,
                  const std::vector<Variant>& events, timestamp now) {
    auto& stream = streams_[stream_id];
    for (auto& event : events) {
      auto fresh = to_new_event(event, event_context{now, "simulation", ""});
      auto record = record_of(std::move(fresh), stream_id,
                              stream.records.size() + 1, ++position_);
      auto bytes = encode_record(record);
      digest_ = mix(digest_, bytes);
      stream.records.push_back(std::move(bytes));
    }
    return stream.records.size();
  }

  /// Every record of the stream decoded, in order; a record that does not
  /// decode is a failure naming it.
  template <class Variant>
  [[nodiscard]] expected<std::vector<Variant>>
  read(const std::string& stream_id, size_t from = 0) const {
    std::vector<Variant> result;
    auto found = streams_.find(stream_id);
    if (found == streams_.end())
      return result;
    auto& records = found->second.records;
    for (size_t index = from; index < records.size(); ++index) {
      auto record = decode_record(records[index]);
      if (!record)
        return make_failure(errc::corrupt_record,
                            stream_id + " #" + std::to_string(index + 1) +
                                ": " + record.error().message);
      if (record->sequence != index + 1 || record->stream_id != stream_id)
        return make_failure(errc::corrupt_record,
                            stream_id + " #" + std::to_string(index + 1) +
                                ": wrong sequence or stream in the record");
      auto event = decode_event<Variant>(*record);
      if (!event)
        return make_failure(errc::corrupt_record,
                            stream_id + " #" + std::to_string(index + 1) +
                                ": " + event.error().message);
      result.push_back(std::move(*event));
    }
    return result;
  }

  /// The journal's fsync of one stream: everything written is durable.
  /// Returns the stream's durable sequence.
  uint64_t sync(const std::string& stream_id);

  /// A crash for this stream: `lose` drops what is not durable, otherwise
  /// the unsynced tail made it to disk. Returns how many events were lost.
  size_t crash(const std::string& stream_id, bool lose);

  bool unsynced(const std::string& stream_id) const;
  size_t size(const std::string& stream_id) const;
  uint64_t generation(const std::string& stream_id) const;
  const std::map<std::string, simulated_stream>& streams() const noexcept {
    return streams_;
  }
  /// FNV-1a over every record ever appended: two runs of one seed that
  /// print the same digest wrote the same bytes in the same order.
  uint64_t digest() const noexcept { return digest_; }

private:
  static uint64_t mix(uint64_t hash, const std::string& bytes) {
    for (unsigned char byte : bytes)
      hash = (hash ^ byte) * 0x100000001b3;
    return hash;
  }

  std::map<std::string, simulated_stream> streams_;
  uint64_t position_ = 0;
  uint64_t digest_ = 0xcbf29ce484222325;
};

} // namespace tillroll::simulation
